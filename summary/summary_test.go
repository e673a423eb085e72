package summary

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newsbot/newsbot/news"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Das ist z. B. so. Dann kam Dr. Vogt.", []string{"Das ist z. B. so.", "Dann kam Dr. Vogt."}},
		{"Am 29. September kam es. Am 3. Oktober nicht.", []string{"Am 29. September kam es.", "Am 3. Oktober nicht."}},
		{"Er wurde im Jahr 2015. Danach ging er.", []string{"Er wurde im Jahr 2015.", "Danach ging er."}},
		{"Sie sagte: „Wir gehen.“ Dann ging sie.", []string{"Sie sagte: „Wir gehen.“", "Dann ging sie."}},
		{`"It is survival," he said. The U.S. Army and John F. Kennedy came. Why? Because.`,
			[]string{`"It is survival," he said.`, "The U.S. Army and John F. Kennedy came.", "Why?", "Because."}},
		{"Mr. Smith went to Washington. He left.", []string{"Mr. Smith went to Washington.", "He left."}},
		{"Version 2.5 ist da. Gut so", []string{"Version 2.5 ist da.", "Gut so"}},
		{"Die Zahl stieg um 5 Prozent. 2016 sank sie.", []string{"Die Zahl stieg um 5 Prozent.", "2016 sank sie."}},
		{"Der 3. Platz ging an sie.", []string{"Der 3. Platz ging an sie."}},
		{"Wirklich?! Ja… Nein.", []string{"Wirklich?!", "Ja…", "Nein."}},
		{"Das gilt u. a. für die Bundeswehr bzw. die Polizei.", []string{"Das gilt u. a. für die Bundeswehr bzw. die Polizei."}},
		{"Er sagte „Dr. Weber kommt“. Dann ging er.", []string{"Er sagte „Dr. Weber kommt“.", "Dann ging er."}},
		{"Sie nannte «Prof. Kurz» als Quelle. Gut.", []string{"Sie nannte «Prof. Kurz» als Quelle.", "Gut."}},
		{"(Dr. Vogt sprach.) Danach Ruhe.", []string{"(Dr. Vogt sprach.)", "Danach Ruhe."}},
	}
	for _, tt := range tests {
		if got := Sentences(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func finder(words ...string) Finder {
	return func(s string) [][2]int {
		var out [][2]int
		for _, w := range words {
			for off := 0; ; {
				i := strings.Index(s[off:], w)
				if i < 0 {
					break
				}
				out = append(out, [2]int{off + i, off + i + len(w)})
				off += i + len(w)
			}
		}
		return out
	}
}

func TestSummarizeLeadAndMatches(t *testing.T) {
	a := &news.Article{
		Title:  "Kreml lehnt ab",
		Teaser: "Putin und Obama einigten sich. Washington will nicht mitarbeiten.",
		Body: []string{
			"Die Regierung sprach am Dienstag. Das Wetter war gut.",
			"Es gehe darum, Aktionen gegen den IS zu koordinieren. Niemand widersprach.",
			"Ein Satz ohne Treffer. Noch einer.",
			"In Syrien blieb alles offen. Ende.",
		},
	}
	s := Summarize(a, finder("IS", "Syrien"))
	want := "Putin und Obama einigten sich. Es gehe darum, Aktionen gegen den IS zu koordinieren. In Syrien blieb alles offen."
	if s.Text != want {
		t.Errorf("Text =\n %q\nwant\n %q", s.Text, want)
	}
	var marked []string
	for _, m := range s.Marks {
		marked = append(marked, s.Text[m[0]:m[1]])
	}
	if !reflect.DeepEqual(marked, []string{"IS", "Syrien"}) {
		t.Errorf("Marks cover %q, want [IS Syrien]", marked)
	}
}

func TestSummarizeFillsFromLead(t *testing.T) {
	a := &news.Article{Body: []string{"Erster Satz. Zweiter Satz. Dritter Satz."}}
	if got, want := Summarize(a, finder("Titelwort")).Text, "Erster Satz. Zweiter Satz."; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestSummarizeBudget(t *testing.T) {
	long := strings.Repeat("Syrien wort ", 40) + "Ende."
	a := &news.Article{Teaser: "Kurz.", Body: []string{long + " " + long + " " + long}}
	s := Summarize(a, finder("Syrien"))
	if n := utf8.RuneCountInString(s.Text); n > MaxChars+50 {
		t.Errorf("summary has %d characters, want at most about %d: %q", n, MaxChars, s.Text)
	}
	if !strings.HasSuffix(s.Text, ".") {
		t.Errorf("summary does not end a sentence: %q", s.Text)
	}
}

func TestSnippetForMatchOutsideSummary(t *testing.T) {
	body := []string{
		"Alpha kam zuerst. Beta folgte bald.",
		"Dann sprach Gamma lange.",
		"Ganz am Ende des langen Textes steht auch etwas über den IS und seine Kämpfer in der Wüste im Osten des Landes.",
	}
	s := Summarize(&news.Article{Teaser: "Der Anfang.", Body: body}, finder("Alpha", "Beta", "Gamma", "IS"))
	if len(s.Snippets) != 1 {
		t.Fatalf("snippets = %+v, want one for IS", s.Snippets)
	}
	sn := s.Snippets[0]
	if got := sn.Text[sn.Marks[0][0]:sn.Marks[0][1]]; got != "IS" {
		t.Errorf("snippet mark covers %q, want IS (snippet %q)", got, sn.Text)
	}
	if !strings.HasPrefix(sn.Text, "…") || !strings.HasSuffix(sn.Text, "…") {
		t.Errorf("snippet %q should be cut on both sides", sn.Text)
	}
	if strings.Contains(s.Text, "Wüste") {
		t.Errorf("summary should not carry the last sentence: %q", s.Text)
	}
}

// Without enough sentences that carry matches, the summary goes on with
// the article's most central sentence, not merely the next one.
func TestSummarizeFillsWithCentralSentence(t *testing.T) {
	a := &news.Article{
		Teaser: "Die Waffenruhe im Nordwesten Syriens hält seit Sonntag.",
		Body: []string{
			"Am Morgen regnete es in der Hauptstadt, die Cafés blieben leer.",
			"Helfer bringen Decken und Medikamente über die Grenze.",
			"Ob die Waffenruhe hält, hängt von den Helfern an der Grenze ab, sagen Beobachter der Waffenruhe.",
		},
	}
	got := Summarize(a, finder("Titelwort")).Text
	if want := "Die Waffenruhe im Nordwesten Syriens hält seit Sonntag. Ob die Waffenruhe hält, hängt von den Helfern an der Grenze ab, sagen Beobachter der Waffenruhe."; got != want {
		t.Errorf("Text = %q\nwant %q", got, want)
	}
}

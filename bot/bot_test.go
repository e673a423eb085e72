package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Text is checked in Europe/Berlin
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/news"
)

// marks returns the byte ranges of each word in s, in order, as the
// matcher would.
func marks(s string, words ...string) [][2]int {
	var ms [][2]int
	from := 0
	for _, w := range words {
		i := strings.Index(s[from:], w)
		if i < 0 {
			panic("no " + w + " in " + s)
		}
		ms = append(ms, [2]int{from + i, from + i + len(w)})
		from += i + len(w)
	}
	return ms
}

// every returns the byte ranges of every occurrence of the phrases in s,
// in order.
func every(s string, phrases ...string) [][2]int {
	var ms [][2]int
	for i := 0; i < len(s); {
		found := false
		for _, p := range phrases {
			if strings.HasPrefix(s[i:], p) {
				ms = append(ms, [2]int{i, i + len(p)})
				i += len(p)
				found = true
				break
			}
		}
		if !found {
			i++
		}
	}
	return ms
}

func syriaAlert() *news.Alert {
	summary := "Im Nordwesten von Syrien gilt seit Sonntag eine Waffenruhe. Ausgenommen sind Einsätze gegen den „Islamischen Staat“ (IS)."
	snippet := "die IS-Miliz nutze jede Schwächung"
	return &news.Alert{
		ID:        42,
		Watcher:   "nahost",
		Channel:   "#nahost",
		Source:    "rundschau",
		URL:       "https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html",
		Title:     "Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten",
		Summary:   summary,
		Marks:     marks(summary, "Syrien", "IS"),
		Terms:     []string{"Syrien", "IS"},
		Snippets:  []news.Snippet{{Text: snippet, Marks: marks(snippet, "IS")}},
		Published: time.Date(2025, 6, 17, 8, 30, 0, 0, time.UTC),
		Found:     time.Date(2025, 6, 17, 9, 0, 0, 0, time.UTC),
		Lang:      "de",
	}
}

// texts returns the text of each block, as Slack receives it.
func texts(t *testing.T, blocks []slack.Block) []string {
	t.Helper()
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var raw []struct {
		Type string `json:"type"`
		Text *struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"text"`
		Elements []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, bl := range raw {
		switch bl.Type {
		case "section":
			if bl.Text.Type != "mrkdwn" {
				t.Errorf("section text is %s, want mrkdwn", bl.Text.Type)
			}
			out = append(out, bl.Text.Text)
		case "context":
			var parts []string
			for _, e := range bl.Elements {
				parts = append(parts, e.Text)
			}
			out = append(out, "context: "+strings.Join(parts, " "))
		default:
			t.Errorf("unexpected %s block", bl.Type)
		}
	}
	return out
}

func TestBlocks(t *testing.T) {
	const (
		link     = "*<https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html|Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten>*"
		summary  = "Im Nordwesten von *Syrien* gilt seit Sonntag eine Waffenruhe. Ausgenommen sind Einsätze gegen den „Islamischen Staat“ (*IS*)."
		snippets = "> die *IS*-Miliz nutze jede Schwächung"
		date     = "<!date^1750149000^{date_short_pretty} {time}|2025-06-17 08:30 UTC>"
	)
	tests := []struct {
		name string
		edit func(a *news.Alert)
		want []string
	}{
		{"full", func(*news.Alert) {}, []string{
			link, summary, snippets,
			"context: rundschau · " + date + " · watcher nahost · matched: Syrien, IS",
		}},
		{"no summary, no snippets, no date", func(a *news.Alert) {
			a.Summary, a.Marks, a.Snippets, a.Published = "", nil, nil, time.Time{}
		}, []string{link, "context: rundschau · watcher nahost · matched: Syrien, IS"}},
		{"several snippets", func(a *news.Alert) {
			s := "mit Damaskus und Idlib"
			a.Snippets = append(a.Snippets, news.Snippet{Text: s, Marks: marks(s, "Idlib")})
		}, []string{link, summary, snippets + "\n> mit Damaskus und *Idlib*",
			"context: rundschau · " + date + " · watcher nahost · matched: Syrien, IS"}},
		{"from the feed", func(a *news.Alert) { a.FromFeed = true }, []string{
			link, summary, snippets,
			"context: rundschau · " + date + " · watcher nahost · matched: Syrien, IS · page unavailable: from the feed's text",
		}},
		{"no title: the URL stands in", func(a *news.Alert) { a.Title = "" }, []string{
			"*<https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html|https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html>*",
			summary, snippets,
			"context: rundschau · " + date + " · watcher nahost · matched: Syrien, IS",
		}},
		{"published in another zone is shown in UTC", func(a *news.Alert) {
			a.Published = a.Published.In(time.FixedZone("CEST", 2*3600))
		}, []string{link, summary, snippets,
			"context: rundschau · " + date + " · watcher nahost · matched: Syrien, IS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := syriaAlert()
			tt.edit(a)
			got := texts(t, bot.Blocks(a))
			if strings.Join(got, "\n---\n") != strings.Join(tt.want, "\n---\n") {
				t.Errorf("Blocks:\n%s\nwant:\n%s", strings.Join(got, "\n---\n"), strings.Join(tt.want, "\n---\n"))
			}
		})
	}
}

func TestFallback(t *testing.T) {
	a := syriaAlert()
	want := "[nahost] Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten – https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html"
	if got := bot.Fallback(a); got != want {
		t.Errorf("Fallback = %q, want %q", got, want)
	}
}

func TestText(t *testing.T) {
	a := syriaAlert()
	a.Title = "Krieg & Frieden <live>"
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	got := bot.Text(a, berlin)
	want := "── nahost → #nahost " + strings.Repeat("─", 52) + "\n" +
		"Krieg & Frieden <live>\n" + // a terminal shows the text as it is
		"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html\n" +
		"\n" +
		"Im Nordwesten von *Syrien* gilt seit Sonntag eine Waffenruhe. Ausgenommen sind Einsätze gegen den „Islamischen Staat“ (*IS*).\n" +
		"  » die *IS*-Miliz nutze jede Schwächung\n" +
		"\n" +
		"rundschau · 2025-06-17 10:30 CEST · matched: Syrien, IS\n\n"
	if got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}

	var buf bytes.Buffer
	s := &bot.Stdout{W: &buf, Loc: berlin}
	id, err := s.Send(context.Background(), a)
	if err != nil || id != "stdout-42" || buf.String() != want {
		t.Errorf("Stdout.Send = %q, %v, printed:\n%s", id, err, buf.String())
	}
}

// newsbotMarkup is what newsbot itself puts between < and >: the
// article link and the date.
var newsbotMarkup = regexp.MustCompile(`<https?://[^|<>\s]+\|[^<>]*>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>]*>`)

// quote is the "> " that starts a snippet's line.
var quote = regexp.MustCompile(`(?m)^> `)

// checkSafe fails unless s is inert Slack text: no <...> but newsbot's own,
// and every & starting an entity.
func checkSafe(t *testing.T, what, s string) {
	t.Helper()
	rest := newsbotMarkup.ReplaceAllString(s, "")
	rest = quote.ReplaceAllString(rest, "")
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("%s has markup that newsbot did not make:\n%s", what, s)
	}
	for i := strings.IndexByte(s, '&'); i >= 0; i = next(s, i) {
		if !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			t.Errorf("%s has a bare or broken & at %d: %q", what, i, s[i:min(len(s), i+8)])
		}
	}
}

func next(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '&')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// No text from a page can ping a channel, mention someone or post a
// disguised link.
func TestBlocksEscapePageText(t *testing.T) {
	const hostile = "<!channel> <!here|here> <@U123> <#C42> <https://evil.example|Klick> AT&T > 3 &amp;"
	tests := []struct {
		field string
		edit  func(a *news.Alert)
	}{
		{"title", func(a *news.Alert) { a.Title = hostile }},
		{"summary", func(a *news.Alert) {
			a.Summary = "Syrien: " + hostile
			a.Marks = marks(a.Summary, "Syrien", "<!channel>")
		}},
		{"source", func(a *news.Alert) { a.Source = hostile }},
		{"snippet", func(a *news.Alert) {
			s := hostile + " IS"
			a.Snippets = []news.Snippet{{Text: s, Marks: marks(s, "<@U123>", "IS")}}
		}},
		{"watcher and terms", func(a *news.Alert) {
			a.Watcher = "<!everyone>"
			a.Terms = []string{"<!channel>", "AT&T"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			a := syriaAlert()
			tt.edit(a)
			for i, s := range texts(t, bot.Blocks(a)) {
				checkSafe(t, "block "+string(rune('0'+i)), s)
			}
			checkSafe(t, "fallback", bot.Fallback(a))
		})
	}

	a := syriaAlert()
	a.Title = hostile
	want := "*<https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html|&lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt; &lt;#C42&gt; &lt;https://evil.example|Klick&gt; AT&amp;T &gt; 3 &amp;amp;>*"
	if got := texts(t, bot.Blocks(a))[0]; got != want {
		t.Errorf("hostile title:\n%s\nwant\n%s", got, want)
	}
}

func TestBlocksLinkURL(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{"https://rr.example/a.html", "https://rr.example/a.html"},
		{"https://rr.example/?id=1&page=2", "https://rr.example/?id=1&amp;page=2"},
		{"https://rr.example/a|<!channel>", "https://rr.example/a%7C%3C!channel%3E"},
		{"https://rr.example/a>b", "https://rr.example/a%3Eb"},
		{"https://rr.example/a b", "https://rr.example/a%20b"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			a := syriaAlert()
			a.URL, a.Title = tt.url, "Titel"
			want := "*<" + tt.want + "|Titel>*"
			got := texts(t, bot.Blocks(a))[0]
			if got != want {
				t.Errorf("link = %q, want %q", got, want)
			}
			checkSafe(t, "link", got)
		})
	}
}

// ellipsized checks that s was cut to at most limit runes, at a word of
// full, ending in "…", without breaking UTF-8.
func ellipsized(t *testing.T, what, s, full string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(s); n > limit {
		t.Errorf("%s is %d characters, over Slack's %d", what, n, limit)
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		t.Errorf("%s splits a character: …%q", what, s[max(0, len(s)-12):])
	}
	kept, ok := strings.CutSuffix(s, "…")
	if !ok {
		t.Errorf("%s does not end in an ellipsis: …%q", what, s[max(0, len(s)-12):])
		return
	}
	if !strings.HasPrefix(full, kept) {
		t.Errorf("%s is not a beginning of the text: …%q", what, kept[max(0, len(kept)-20):])
		return
	}
	if rest := full[len(kept):]; rest != "" && rest[0] != ' ' && kept[len(kept)-1] != ' ' {
		t.Errorf("%s cuts inside a word: …%q|%q…", what, kept[max(0, len(kept)-12):], rest[:min(len(rest), 12)])
	}
}

func evenStars(t *testing.T, what, s string) {
	t.Helper()
	for _, line := range strings.Split(s, "\n") {
		if strings.Count(line, "*")%2 != 0 {
			t.Errorf("%s leaves a bold mark open: …%q", what, line[max(0, len(line)-40):])
		}
	}
}

func TestBlocksTruncate(t *testing.T) {
	words := strings.Repeat("Waffenruhe in Idlib hält vorerst, sagen Beobachter vor Ort. ", 80) // 4800 characters
	umlauts := strings.Repeat("Über Füße, Öl und Größe äußert sich Jürgen. ", 100)
	amps := strings.Repeat("Krieg & Frieden <Teil 2> ", 200)

	t.Run("summary at a word", func(t *testing.T) {
		a := syriaAlert()
		a.Summary, a.Marks = words, nil
		s := texts(t, bot.Blocks(a))[1]
		ellipsized(t, "summary", s, words, bot.MaxSectionText)
	})
	t.Run("summary of multi-byte runes", func(t *testing.T) {
		a := syriaAlert()
		a.Summary, a.Marks = umlauts, nil
		s := texts(t, bot.Blocks(a))[1]
		ellipsized(t, "summary", s, umlauts, bot.MaxSectionText)
	})
	t.Run("summary without spaces", func(t *testing.T) {
		a := syriaAlert()
		a.Summary, a.Marks = strings.Repeat("ü", 4000), nil
		s := texts(t, bot.Blocks(a))[1]
		if n := utf8.RuneCountInString(s); n > bot.MaxSectionText || !utf8.ValidString(s) || !strings.HasSuffix(s, "…") {
			t.Errorf("summary of 4000 ü: %d characters, valid UTF-8 %v", n, utf8.ValidString(s))
		}
	})
	t.Run("summary with entities", func(t *testing.T) {
		a := syriaAlert()
		a.Summary, a.Marks = amps, nil
		s := texts(t, bot.Blocks(a))[1]
		ellipsized(t, "summary", s, bot.Escape(amps), bot.MaxSectionText)
		checkSafe(t, "summary", s)
	})
	t.Run("summary of ampersands without spaces", func(t *testing.T) {
		for _, n := range []int{598, 599, 600, 601, 602, 1000} { // every cut position within an &amp;
			a := syriaAlert()
			a.Summary, a.Marks = strings.Repeat("&", n), nil
			s := texts(t, bot.Blocks(a))[1]
			if utf8.RuneCountInString(s) > bot.MaxSectionText {
				t.Errorf("%d ampersands: %d characters", n, utf8.RuneCountInString(s))
			}
			checkSafe(t, "summary", s)
		}
	})
	t.Run("summary with bold across the cut", func(t *testing.T) {
		// Bold every "Beobachter vor Ort", so that a cut at a word can
		// fall inside a bold phrase wherever it lands.
		for n := range 61 { // shift the text under the cut through a whole sentence
			pad := strings.Repeat("x", n) + " "
			summary := pad + words
			ms := every(summary, "Beobachter vor Ort")
			a := syriaAlert()
			a.Summary, a.Marks = summary, ms
			s := texts(t, bot.Blocks(a))[1]
			if n := utf8.RuneCountInString(s); n > bot.MaxSectionText {
				t.Errorf("pad %q: %d characters", pad, n)
			}
			evenStars(t, fmt.Sprintf("summary (pad %q)", pad), s)
		}
	})
	t.Run("title", func(t *testing.T) {
		a := syriaAlert()
		a.Title = words
		link := texts(t, bot.Blocks(a))[0]
		title := strings.TrimSuffix(link[strings.IndexByte(link, '|')+1:], ">*")
		ellipsized(t, "title", title, words, bot.MaxTitle)
	})
	t.Run("title with entities", func(t *testing.T) {
		a := syriaAlert()
		a.Title = amps
		link := texts(t, bot.Blocks(a))[0]
		checkSafe(t, "title", link)
	})
	t.Run("one long snippet", func(t *testing.T) {
		a := syriaAlert()
		a.Snippets = []news.Snippet{{Text: umlauts}}
		s := texts(t, bot.Blocks(a))[2]
		line, ok := strings.CutPrefix(s, "> ")
		if !ok {
			t.Fatalf("snippet is not a quote: %q", s[:20])
		}
		ellipsized(t, "snippet", line, umlauts, 500)
	})
	t.Run("many snippets", func(t *testing.T) {
		// Eight snippets of about 430 characters, mostly a bold two-word
		// name, with entities throughout: the section's cut falls among
		// them, at a word, which may be inside a bold name.
		for n := range 30 { // shift the text under the cut through a whole period
			pad := strings.Repeat("x", n) + " "
			var snips []news.Snippet
			for i := 0; i < 8; i++ {
				text := pad + strings.Repeat("Emmanuel Macron & Co ", 16)
				snips = append(snips, news.Snippet{Text: text, Marks: every(text, "Emmanuel Macron")})
			}
			a := syriaAlert()
			a.Snippets = snips
			s := texts(t, bot.Blocks(a))[2]
			if n := utf8.RuneCountInString(s); n > bot.MaxSectionText {
				t.Errorf("pad %q: snippets section is %d characters, over %d", pad, n, bot.MaxSectionText)
			}
			if !strings.HasSuffix(s, "…") {
				t.Errorf("pad %q: cut snippets do not end in an ellipsis", pad)
			}
			checkSafe(t, "snippets", s)
			evenStars(t, fmt.Sprintf("snippets (pad %q)", pad), s)
		}
	})
}

func TestAlertWithoutURL(t *testing.T) {
	a := syriaAlert()
	a.URL = ""
	got := bot.Blocks(a)[0].(*slack.SectionBlock).Text.Text
	if strings.Contains(got, "<|") || strings.Contains(got, "<") {
		t.Errorf("an alert without a URL renders a broken link: %q", got)
	}
}

func TestTextDropsControlCharacters(t *testing.T) {
	a := syriaAlert()
	a.Title = "Syrien\x1b[2J\x1b[31mrot\u2028"
	if got := bot.Text(a, time.UTC); strings.ContainsAny(got, "\x1b\u2028") {
		t.Errorf("terminal text keeps control characters: %q", got)
	}
}

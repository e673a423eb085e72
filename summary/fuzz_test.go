package summary

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/newsbot/newsbot/news"
)

func FuzzSentences(f *testing.F) {
	f.Add("Das ist z. B. so. Dann kam Dr. Vogt am 29. September.")
	f.Add(`"It is survival," he said. The U.S. Army came. Why? Because…`)
	f.Add("Er sagte „Dr. Weber kommt“. Dann ging er.")
	f.Fuzz(func(t *testing.T, p string) {
		if !utf8.ValidString(p) {
			return
		}
		var joined strings.Builder
		for _, s := range Sentences(p) {
			if strings.TrimSpace(s) == "" {
				t.Fatalf("empty sentence from %q", p)
			}
			joined.WriteString(s)
		}
		// Splitting loses nothing but white space.
		if a, b := strip(joined.String()), strip(p); a != b {
			t.Fatalf("sentences of %q lose text:\n%q\n%q", p, a, b)
		}
	})
}

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func FuzzSummarize(f *testing.F) {
	f.Add("Der Anfang. Noch ein Satz.", "Syrien ist Thema. Ende.", "Syrien")
	f.Fuzz(func(t *testing.T, teaser, body, word string) {
		if word == "" {
			return
		}
		s := Summarize(&news.Article{Teaser: teaser, Body: strings.Split(body, "\n")}, finder(word))
		for _, m := range s.Marks {
			if m[0] < 0 || m[1] > len(s.Text) || m[0] >= m[1] || s.Text[m[0]:m[1]] != word {
				t.Fatalf("mark %v does not cover %q in %q", m, word, s.Text)
			}
		}
		for _, sn := range s.Snippets {
			for _, m := range sn.Marks {
				if m[0] < 0 || m[1] > len(sn.Text) || sn.Text[m[0]:m[1]] != word {
					t.Fatalf("snippet mark %v does not cover %q in %q", m, word, sn.Text)
				}
			}
		}
	})
}

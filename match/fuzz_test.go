package match

import (
	"testing"
	"unicode/utf8"
)

func FuzzFindAll(f *testing.F) {
	f.Add("IS", "Kampf gegen den „Islamischen Staat“ (IS) und die IS-Miliz. This is ISIS.")
	f.Add("Syri*", "syrischen Truppen in Syrien, nicht Assyrien")
	f.Add("Islamischer Staat", "der Islamischer\nStaat")
	f.Add("Müller", "Herr Mu\u0308ller kam")
	f.Fuzz(func(t *testing.T, keyword, text string) {
		m, err := Compile([]string{keyword})
		if err != nil {
			return
		}
		text = Normalize(text)
		for _, h := range m.FindAll(text) {
			if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
				t.Fatalf("hit %+v out of range for %q", h, text)
			}
			// A hit is whole words: no word rune just outside it.
			if r, _ := utf8.DecodeLastRuneInString(text[:h.Start]); h.Start > 0 && isWordRune(r) {
				t.Fatalf("hit %q starts inside a word of %q", text[h.Start:h.End], text)
			}
			if r, _ := utf8.DecodeRuneInString(text[h.End:]); h.End < len(text) && isWordRune(r) {
				t.Fatalf("hit %q ends inside a word of %q", text[h.Start:h.End], text)
			}
		}
	})
}

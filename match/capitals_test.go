package match

import (
	"slices"
	"testing"
)

// A keyword in capitals matches a name written in capitals, not a run of
// words in capitals, a product code, or, in a language that has it as an
// ordinary word, that word written in capitals; raw: matches all of them.
func TestCapitals(t *testing.T) {
	for _, tt := range []struct {
		name, query, text, lang string
		match                   bool
		why                     string // the refusal, when there is one
	}{
		{"a name", "IS", "Kämpfer des IS griffen Palmyra an.", "de", true, ""},
		{"in parentheses", "IS", "die Terrormiliz Islamischer Staat (IS) bleibt aktiv", "de", true, ""},
		{"in a compound", "IS", "Die IS-Miliz zog sich zurück.", "de", true, ""},
		{"in a run of capitals", "IS", "IMPRESSUM | DATENSCHUTZ | THIS IS A KANGA PROJECT", "de", false, RefusedCapitalsRun},
		{"in a product code", "IS", "Canon EF-S 18-55mm IS STM im Test", "de", false, RefusedCapitalsRun},
		{"English emphasis", "IS", "And he IS right about the vote.", "en", false, RefusedOrdinary},
		{"English after a verb", "IS", "Officials said it IS over.", "en", false, RefusedOrdinary},
		{"English in parentheses", "IS", "the Islamic State group (IS) lost ground", "en", true, ""},
		{"English after the", "IS", "Kurdish forces fought the IS group.", "en", true, ""},
		{"English before a hyphen", "IS", "They retook IS-held towns.", "en", true, ""},
		{"English at a sentence's start", "IS", "Aid is slow. IS fighters remain.", "en", true, ""},
		{"raw: in English", "raw:IS", "And he IS right about the vote.", "en", true, ""},
		{"raw: in a run", "raw:IS", "THIS IS A KANGA PROJECT", "de", true, ""},
		{"US in English", "US", "The US economy grew, the report tells us.", "en", true, ""},
		{"NATO after a comma", "NATO", "EU, NATO und UN beraten.", "de", true, ""},
		{"lower case never", "IS", "This is not it.", "en", false, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := ParseQuery(tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			r := q.Eval(Doc{Body: tt.text, Lang: tt.lang})
			if r.Matched != tt.match {
				t.Errorf("%s in %q: matched %v, want %v", tt.query, tt.text, r.Matched, tt.match)
			}
			var whys []string
			for _, f := range r.Refused {
				whys = append(whys, f.Why)
				if f.Field != FieldBody || f.Context == "" {
					t.Errorf("refusal %+v: want the body and the words around it", f)
				}
			}
			if want := []string{tt.why}; tt.why != "" && !slices.Equal(whys, want) || tt.why == "" && len(whys) > 0 {
				t.Errorf("%s in %q: refused %q, want %q", tt.query, tt.text, whys, tt.why)
			}
		})
	}
}

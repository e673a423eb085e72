package match

import (
	"slices"
	"testing"
)

// With forms, a place's name finds its other forms, in the languages
// asked for, and says which word it found; without, only the name.
func TestForms(t *testing.T) {
	const de = "Syrer fliehen aus dem Nordwesten. Die syrischen Behörden schweigen; Syriens Präsident reist. Im Syringhof regnet es."
	const en = "Syrian refugees leave the north of the country."
	for _, tt := range []struct {
		name     string
		spec     Spec
		text     string
		match    bool
		forms    []string
		notForms []string
	}{
		{"no forms", Spec{Keywords: []string{"Syrien"}}, de, false, nil, nil},
		{"German forms", Spec{Keywords: []string{"Syrien"}, Forms: []string{"de"}}, de, true, []string{"Syrer", "syrischen", "Syriens"}, []string{"Syringhof"}},
		{"German forms, English text", Spec{Keywords: []string{"Syrien"}, Forms: []string{"de"}}, en, false, nil, nil},
		{"across languages", Spec{Keywords: []string{"Syrien"}, Forms: []string{"de", "en"}}, en, true, []string{"Syrian"}, nil},
		{"from English", Spec{Keywords: []string{"Syria"}, Forms: []string{"de"}}, de, true, []string{"Syrer", "syrischen", "Syriens"}, nil},
		{"forms: in a query, the term's own language", Spec{Query: "forms:Syrien"}, de, true, []string{"Syrer", "syrischen", "Syriens"}, nil},
		{"forms: in a query, not across", Spec{Query: "forms:Syrien"}, en, false, nil, nil},
		{"not a place", Spec{Keywords: []string{"Waffenruhe"}, Forms: []string{"de"}}, de, false, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.spec.Compile()
			if err != nil {
				t.Fatal(err)
			}
			r := q.Eval(Doc{Body: tt.text})
			if r.Matched != tt.match {
				t.Fatalf("matched %v, want %v (terms %v)", r.Matched, tt.match, r.Terms)
			}
			var got []string
			for _, fs := range r.Forms {
				got = append(got, fs...)
			}
			for _, f := range tt.forms {
				if !slices.Contains(got, f) {
					t.Errorf("forms found %q, want %q among them", got, f)
				}
			}
			for _, f := range tt.notForms {
				if slices.Contains(got, f) {
					t.Errorf("forms found %q, which must not be", f)
				}
			}
			if tt.match && len(tt.spec.Keywords) > 0 && !slices.Equal(r.Terms, tt.spec.Keywords[:1]) {
				t.Errorf("terms %q, want the keyword as written", r.Terms)
			}
		})
	}
}

// A form in capitals (US) is one: it does not find the word in lower
// case (us).
func TestFormsInCapitals(t *testing.T) {
	q, err := Spec{Keywords: []string{"Vereinigte Staaten"}, Forms: []string{"de", "en"}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	if r := q.Eval(Doc{Body: "They told us to wait.", Lang: "en"}); r.Matched {
		t.Errorf("matched %v in a text without the place", r.Forms)
	}
	if r := q.Eval(Doc{Body: "The US economy grew.", Lang: "en"}); !r.Matched || !slices.Equal(r.Forms["Vereinigte Staaten"], []string{"US"}) {
		t.Errorf("US: matched %v, forms %v", r.Matched, r.Forms)
	}
}

// Every line of places.tsv reads, and every place has both languages.
func TestPlacesFile(t *testing.T) {
	m, err := readPlaces(placesTSV)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range m {
		if len(p.forms["de"]) == 0 || len(p.forms["en"]) == 0 {
			t.Errorf("%s: forms %v, want German and English", name, p.forms)
		}
	}
}

// A place's name where it is part of another place's name is not that
// place: a watcher of Sudan does not hear of South Sudan.
func TestFormsNotInLongerNames(t *testing.T) {
	q, err := Spec{Keywords: []string{"Sudan"}, Forms: []string{"de", "en"}}.Compile()
	if err != nil {
		t.Fatal(err)
	}
	r := q.Eval(Doc{Body: "Fighting flared again in South Sudan on Monday.", Lang: "en"})
	if r.Matched {
		t.Errorf("Sudan matched in South Sudan: %v", r.Terms)
	}
	if len(r.Refused) != 1 || r.Refused[0].Why != "part of South Sudan" {
		t.Errorf("refused %+v, want one: part of South Sudan", r.Refused)
	}
	if r := q.Eval(Doc{Body: "Sudan and South Sudan signed the deal.", Lang: "en"}); !r.Matched {
		t.Error("Sudan on its own beside South Sudan did not match")
	}
}

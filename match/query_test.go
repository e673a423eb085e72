package match

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

var syriaDoc = Doc{
	Title:  "Waffenruhe in Idlib: Hilfskonvois erreichen Syrien",
	Teaser: "Im Nordwesten von Syrien gilt seit Sonntag eine brüchige Waffenruhe.",
	Body: "Ausgenommen sind Einsätze gegen den „Islamischen Staat“ (IS). " +
		"Wladimir Putin und Baschar al-Assad trafen sich in Moskau. Die Syrienkrise dauert an. " +
		"This is not the ISIS you know. Die Flüchtlingskrise wächst, sagt Dr. Vogt aus Österreich.",
	URL:    "https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html",
	Source: "rundschau",
}

func TestQuery(t *testing.T) {
	syn := map[string][]string{"syrien": {"Syria", "Syrie", "Arabische Republik Syrien", "Syrien"}}
	tests := []struct {
		query string
		match bool
		terms []string
	}{
		{`Syrien`, true, []string{"Syrien"}},
		{`Irak`, false, nil},
		{`Syrien AND Idlib`, true, []string{"Syrien", "Idlib"}},
		{`Syrien Idlib`, true, []string{"Syrien", "Idlib"}}, // AND left out
		{`Syrien AND Irak`, false, nil},
		{`Irak OR Idlib`, true, []string{"Idlib"}},
		{`Syrien NOT Fußball`, true, []string{"Syrien"}},
		{`Syrien NOT Moskau`, false, nil},
		{`Syrien -Moskau`, false, nil},
		{`Syrien -(Irak OR Iran)`, true, []string{"Syrien"}},
		{`(Irak OR Syrien) AND (Putin OR Obama)`, true, []string{"Syrien", "Putin"}},
		{`"Islamischen Staat"`, true, []string{"Islamischen Staat"}},
		{`"Islamischer Staat"`, false, nil},
		{`"Islamischen Sta"*`, true, []string{"Islamischen Sta*"}},
		{`Putin NEAR/3 Assad`, true, []string{"Putin", "Assad"}},
		{`Assad NEAR/3 Putin`, true, []string{"Assad", "Putin"}},
		{`Putin NEAR/1 Assad`, false, nil},
		{`Putin ONEAR/3 Assad`, true, []string{"Putin", "Assad"}},
		{`Assad ONEAR/3 Putin`, false, nil},
		{`Putin NEAR/10 Vogt`, false, nil},
		{`(Putin OR Obama) NEAR/4 "al-Assad"`, true, []string{"Putin", "al-Assad"}},
		{`Syri*`, true, []string{"Syri*"}},
		{`*krise`, true, []string{"*krise"}},
		{`title:Idlib`, true, []string{"Idlib"}},
		{`title:Moskau`, false, nil},
		{`body:Moskau`, true, []string{"Moskau"}},
		{`teaser:(Nordwesten OR Irak)`, true, []string{"Nordwesten"}},
		{`teaser:(Moskau OR Irak)`, false, nil},
		{`url:idlib`, true, []string{"idlib"}},
		{`Idlib -url:idlib`, false, nil},
		{`source:rundschau AND Syrien`, true, []string{"rundschau", "Syrien"}},
		{`rundschau`, false, nil}, // no field: title, teaser and body only
		{`IS`, true, []string{"IS"}},
		{`ISIS`, true, []string{"ISIS"}},
		{`nocase:is`, true, []string{"is"}},
		{`raw:Syrien`, true, []string{"Syrien"}},
		{`raw:syrien`, false, nil},
		{`Oesterreich`, true, []string{"Oesterreich"}},
		{`@syrien`, true, []string{"Syrien"}},
		{`@syrien NEAR/0 gilt`, true, []string{"Syrien", "gilt"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := ParseQuery(tt.query, syn)
			if err != nil {
				t.Fatal(err)
			}
			r := q.Eval(syriaDoc)
			if r.Matched != tt.match || !reflect.DeepEqual(r.Terms, tt.terms) {
				t.Errorf("Eval = %v %q, want %v %q", r.Matched, r.Terms, tt.match, tt.terms)
			}
		})
	}
}

func TestQueryFields(t *testing.T) {
	q, err := ParseQuery(`Syrien AND Moskau`, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := q.Eval(syriaDoc)
	want := map[string][]string{"Syrien": {"title", "teaser"}, "Moskau": {"body"}}
	if !reflect.DeepEqual(r.Fields, want) {
		t.Errorf("Fields = %v, want %v", r.Fields, want)
	}
}

func TestWatchlist(t *testing.T) {
	// keywords are literal: an AND in a pasted headline is a word.
	q, err := Watchlist([]string{"Krieg AND Frieden", "Idlib"}, "", []string{"Fußball"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := q.Eval(Doc{Body: "Über Krieg und Frieden."}); r.Matched {
		t.Errorf("keyword with AND was parsed as a query: %+v", r)
	}
	if r := q.Eval(Doc{Body: "Krieg AND Frieden in Idlib"}); !r.Matched || !reflect.DeepEqual(r.Terms, []string{"Krieg AND Frieden", "Idlib"}) {
		t.Errorf("literal keyword: %+v", r)
	}
	if r := q.Eval(Doc{Body: "Idlib und Fußball"}); r.Matched {
		t.Error("exclude did not exclude")
	}
	// keywords OR query
	q, err = Watchlist([]string{"Irak"}, "Putin NEAR/3 Assad", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := q.Eval(syriaDoc); !r.Matched {
		t.Error("the query beside keywords should match on its own")
	}
}

func TestQueryErrors(t *testing.T) {
	tests := []struct {
		query string
		pos   int
		msg   string
	}{
		{`(Syrien OR Irak`, 1, "unbalanced parenthesis"},
		{`Syrien OR Irak)`, 15, "unbalanced parenthesis"},
		{`Syrien AND (Irak OR (Iran)`, 12, "unbalanced parenthesis"},
		{`"Islamischer Staat`, 1, "unclosed quote"},
		{`Syrien NEAR Irak`, 8, "NEAR needs a distance in words, as in NEAR/5"},
		{`titel:Syrien`, 1, `unknown field "titel"`},
		{`@syrin`, 1, "unknown synonym set @syrin"},
		{`Syrien AND`, 11, "expected a term, a phrase or a group, found the end of the query"},
		{`Syrien OR OR Irak`, 11, "expected a term, a phrase or a group, found OR"},
		{`Sy*rien`, 1, `"Sy*rien": * may only start or end a keyword`},
		{`C++`, 1, `"C++"`},
		{`"Islamische* Staat"`, 1, `"Islamische* Staat": * may only start or end`},
		{`Syrien NEAR/3 NOT Irak`, 8, "NEAR takes terms"},
		{``, 1, "empty query"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, err := ParseQuery(tt.query, map[string][]string{"syrien": {"Syrien"}})
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("ParseQuery = %v, want a QueryError", err)
			}
			if qe.Pos != tt.pos || len(qe.Msg) < len(tt.msg) || qe.Msg[:len(tt.msg)] != tt.msg {
				t.Errorf("error %q at %d, want %q… at %d", qe.Msg, qe.Pos, tt.msg, tt.pos)
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{`(Syrien OR Irak) AND -Fußball`, `title:raw:IS NEAR/3 "Islamischen Staat"`, `@s ONEAR/2 *krise`, `teaser:(a OR b)`} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := ParseQuery(query, map[string][]string{"s": {"Syrien", "Syria"}})
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) || qe.Pos < 1 || qe.Pos > len([]rune(query))+1 {
				t.Fatalf("ParseQuery(%q) = %v: not a QueryError with a position inside the query", query, err)
			}
			return
		}
		q.Eval(syriaDoc)
	})
}

func TestStem(t *testing.T) {
	tests := []struct {
		spec  Spec
		doc   Doc
		match bool
	}{
		{Spec{Keywords: []string{"Syrien"}, Stem: "de"}, Doc{Body: "Die Lage Syriens bleibt offen."}, true},
		{Spec{Keywords: []string{"Syrien"}}, Doc{Body: "Die Lage Syriens bleibt offen."}, false},
		{Spec{Keywords: []string{"Flüchtling"}, Stem: "de"}, Doc{Body: "Viele Fluechtlinge kamen."}, true},
		{Spec{Keywords: []string{"Islamischer Staat"}, Stem: "de"}, Doc{Body: "Kämpfer des Islamischen Staates"}, true},
		{Spec{Keywords: []string{"refugee"}, Stem: "auto"}, Doc{Body: "Thousands of refugees arrived.", Lang: "en"}, true},
		{Spec{Keywords: []string{"refugee"}, Stem: "auto"}, Doc{Body: "Thousands of refugees arrived."}, false}, // language unknown: exact words
		{Spec{Keywords: []string{"IS"}, Stem: "de"}, Doc{Body: "ISIS und Islam"}, false},                        // capitals: never stemmed
		{Spec{Keywords: []string{"IS"}, Stem: "de"}, Doc{Body: "die IS-Miliz"}, true},
		{Spec{Query: `Syrien NEAR/2 Krisen`, Stem: "de"}, Doc{Body: "Syriens Krise"}, true},
		{Spec{Keywords: []string{"Syri*"}, Stem: "de"}, Doc{Body: "syrischen"}, true}, // wildcards as written
	}
	for _, tt := range tests {
		q, err := tt.spec.Compile()
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Eval(tt.doc).Matched; got != tt.match {
			t.Errorf("%+v on %q: matched %v, want %v", tt.spec, tt.doc.Body, got, tt.match)
		}
	}
}

func TestQueryReview(t *testing.T) {
	// What made the match, and only that, is reported.
	for _, tt := range []struct {
		query  string
		terms  []string
		fields map[string][]string
	}{
		{`(Putin NEAR/0 Assad) OR Moskau`, []string{"Moskau"}, map[string][]string{"Moskau": {"body"}}},
		{`(Putin AND Bundesliga) OR Moskau`, []string{"Moskau"}, map[string][]string{"Moskau": {"body"}}},
		{`Syrien NEAR/0 gilt`, []string{"Syrien", "gilt"}, map[string][]string{"Syrien": {"teaser"}, "gilt": {"teaser"}}},
		{`url:https://rr.example/politik`, []string{"https://rr.example/politik"}, map[string][]string{"https://rr.example/politik": {"url"}}},
	} {
		q, err := ParseQuery(tt.query, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := q.Eval(syriaDoc)
		if !reflect.DeepEqual(r.Terms, tt.terms) || !reflect.DeepEqual(r.Fields, tt.fields) {
			t.Errorf("%s: terms %q fields %v, want %q %v", tt.query, r.Terms, r.Fields, tt.terms, tt.fields)
		}
	}
	// A word is not near itself.
	q, _ := ParseQuery(`Moskau NEAR/5 Moskau`, nil)
	if q.Eval(syriaDoc).Matched {
		t.Error("one Moskau matched Moskau NEAR/5 Moskau")
	}
	// source: is the whole name.
	for src, want := range map[string]bool{"faz": true, "faz-politik": false} {
		q, _ := ParseQuery(`source:faz`, nil)
		set, _ := NewSet(q)
		if got := set.Queries()[0].EvalScanned(set.WithSource(set.Scan(Doc{}), src)).Matched; got != want {
			t.Errorf("source:faz on source %q: %v, want %v", src, got, want)
		}
	}
	// Stemming in an unknown language falls back to exact words.
	sq, _ := Spec{Query: "Syrien", Stem: "auto"}.Compile()
	for _, lang := range []string{"", "fr", "de-DE"} {
		if !sq.Eval(Doc{Body: "Syrien", Lang: lang}).Matched {
			t.Errorf("stem auto, lang %q: the exact word did not match", lang)
		}
	}
	// Errors.
	for query, msg := range map[string]string{
		`NOT Fußball`:     "nothing to match, only NOT",
		`a NEAR/ b`:       "NEAR needs a distance",
		`()`:              "empty group",
		`title:-a`:        "put - before the field",
		`raw:nocase:IS`:   "raw: and nocase: on one term",
		`Syrien -Fußball`: "",
	} {
		_, err := ParseQuery(query, nil)
		if msg == "" {
			if err != nil {
				t.Errorf("%s: %v", query, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want %q", query, err, msg)
		}
	}
}

// A query nested too deep, or too long, is refused with a message and a
// position, not parsed into a stack overflow.
func TestQueryLimits(t *testing.T) {
	for _, tt := range []struct {
		name, query, msg string
		pos              int
	}{
		{"deep groups", strings.Repeat("(", 400_000) + "Syrien" + strings.Repeat(")", 400_000), "characters long", MaxLength + 1},
		{"deep groups, short", strings.Repeat("(", MaxDepth+1) + "Syrien" + strings.Repeat(")", MaxDepth+1), "nested more than", MaxDepth + 1},
		{"deep NOTs", "Syrien AND " + strings.Repeat("NOT ", MaxDepth+1) + "Irak", "nested more than", 11 + 4*MaxDepth + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseQuery(tt.query, nil)
			var qe *QueryError
			if !errors.As(err, &qe) || !strings.Contains(qe.Msg, tt.msg) || qe.Pos != tt.pos {
				t.Errorf("error %v, want %q at %d", err, tt.msg, tt.pos)
			}
		})
	}
	// As deep as allowed is fine.
	if _, err := ParseQuery(strings.Repeat("(", MaxDepth)+"Syrien"+strings.Repeat(")", MaxDepth), nil); err != nil {
		t.Errorf("nesting %d deep: %v", MaxDepth, err)
	}
}

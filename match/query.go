package match

import (
	"fmt"
	"slices"
	"sort"
)

// Fields of an article a query term can be limited to. A term without a
// field is searched in the title, the teaser and the body.
const (
	FieldTitle  = "title"
	FieldTeaser = "teaser"
	FieldBody   = "body"
	FieldURL    = "url"
	FieldSource = "source"
)

var fieldOrder = [...]string{FieldTitle, FieldTeaser, FieldBody, FieldURL, FieldSource}

// Doc is an article as a query sees it.
type Doc struct {
	Title, Teaser, Body, URL, Source string
	// Lang is the document's language ("de", "en"), for stemmed terms.
	Lang string
}

func (d Doc) field(f string) string {
	switch f {
	case FieldTitle:
		return d.Title
	case FieldTeaser:
		return d.Teaser
	case FieldBody:
		return d.Body
	case FieldURL:
		return d.URL
	case FieldSource:
		return d.Source
	}
	return ""
}

// QueryError is a mistake in a query, at a position in it (counted in
// characters from 1).
type QueryError struct {
	Pos int
	Msg string
}

func (e *QueryError) Error() string { return fmt.Sprintf("%s at %d", e.Msg, e.Pos) }

// Query is a compiled watchlist: a boolean expression over terms, with
// fields, case modes, wildcards, synonym sets and proximity.
//
//	Syrien OR "Islamischer Staat"        either
//	Syrien AND Waffenruhe, Syrien Waffenruhe   both (AND may be left out)
//	Syrien NOT Fußball, Syrien -Fußball  the first without the second
//	Assad NEAR/5 Putin                   both, at most 5 words apart
//	Assad ONEAR/5 Putin                  the same, in this order
//	title:Syrien, title:(Syrien OR Irak) in the headline only (teaser:, body:, url:, source:)
//	raw:IS, nocase:is                    case-sensitive or not, whatever the capitals
//	Syri*, *krise                        word ending, word start
//	@syrien                              any term of the synonym set syrien
type Query struct {
	root  node
	leaf  []leaf
	terms []Term // the leaves' terms and their forms, as compiled
	// termLeaf is the leaf each term stands for.
	termLeaf []int
	m        *Matcher
	// byTerm maps a keyword index of m to the leaves it stands for: one
	// each on its own, several when a Set shares terms between queries.
	byTerm [][]int
	pos    map[int]bool // leaves that count for a match (not under NOT)
	empty  bool         // no terms at all: matches nothing
}

type leaf struct {
	text  string // as written, for "why it matched"
	field string // "" for title, teaser and body
}

type occ struct {
	field       string
	first, last int // word indexes
	leaf        int // the term found there; -1 for a NEAR's span
}

// Result is a query's verdict on a document.
type Result struct {
	Matched bool
	// Terms are the terms found that count for the match (not those under
	// NOT), in the query's order; Fields says where each was found.
	Terms  []string
	Fields map[string][]string
	// Forms are, for a term found as a form of its place's name (Syrien
	// as "syrischen"), the words found, in text order.
	Forms  map[string][]string
	leaves map[int]bool // the leaves of Terms
	// Refused are the occurrences of the query's terms in capitals that
	// did not count, and why, matched or not.
	Refused []Refused
}

// Refused is an occurrence of a term in capitals that did not count.
type Refused struct {
	Term, Field string
	Why         string // RefusedCapitalsRun or RefusedOrdinary
	Context     string // the words around it
}

type node interface {
	// eval says whether the node holds, where (spans, for proximity), and
	// on what evidence: the occurrences of terms that made it hold.
	eval(found map[int][]occ) (ok bool, spans, evidence []occ)
	// positive collects the leaves that count for a match.
	positive(neg bool, out map[int]bool)
}

type termNode struct{ leaf int }
type orNode struct {
	kids []node
	// terms: when every kid is a term, their leaves, so that the node
	// looks only at the terms found, not at all its terms.
	terms map[int]bool
}

func newOr(kids []node) orNode {
	o := orNode{kids: kids, terms: map[int]bool{}}
	for _, k := range kids {
		t, ok := k.(termNode)
		if !ok {
			o.terms = nil
			break
		}
		o.terms[t.leaf] = true
	}
	return o
}

type andNode struct{ kids []node }
type notNode struct{ kid node }
type nearNode struct {
	a, b    node
	n       int
	ordered bool
}

func (t termNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	occs := found[t.leaf]
	return len(occs) > 0, occs, occs
}

func (t termNode) positive(neg bool, out map[int]bool) {
	if !neg {
		out[t.leaf] = true
	}
}

func (o orNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	var all []occ
	if o.terms != nil {
		for li, occs := range found {
			if o.terms[li] {
				all = append(all, occs...)
			}
		}
		return len(all) > 0, all, all
	}
	return evalKids(o.kids, found, false)
}

// evalKids evaluates the kids of an OR (all false: any must hold) or an
// AND (all: every one must), and gathers the spans and the evidence of
// those that hold.
func evalKids(kids []node, found map[int][]occ, all bool) (bool, []occ, []occ) {
	ok := false
	var spans, ev []occ
	for _, k := range kids {
		kok, s, kev := k.eval(found)
		if !kok {
			if all {
				return false, nil, nil
			}
			continue
		}
		ok = true
		spans = append(spans, s...)
		ev = append(ev, kev...)
	}
	return ok || all, spans, ev
}

func (o orNode) positive(neg bool, out map[int]bool) {
	for _, k := range o.kids {
		k.positive(neg, out)
	}
}

func (a andNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	return evalKids(a.kids, found, true)
}

func (a andNode) positive(neg bool, out map[int]bool) {
	for _, k := range a.kids {
		k.positive(neg, out)
	}
}

func (n notNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	ok, _, _ := n.kid.eval(found)
	return !ok, nil, nil
}

func (n notNode) positive(neg bool, out map[int]bool) { n.kid.positive(!neg, out) }

func (n nearNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	_, as, aev := n.a.eval(found)
	_, bs, bev := n.b.eval(found)
	var spans []occ
	for _, a := range as {
		for _, b := range bs {
			if a.field != b.field || a.first == b.first && a.last == b.last { // a word is not near itself
				continue
			}
			if gap, ok := n.gap(a, b); ok && gap <= n.n {
				spans = append(spans, occ{field: a.field, first: min(a.first, b.first), last: max(a.last, b.last), leaf: -1})
			}
		}
	}
	// The evidence is what stands inside a qualifying span.
	var ev []occ
	for _, e := range append(aev, bev...) {
		for _, sp := range spans {
			if e.field == sp.field && e.first >= sp.first && e.last <= sp.last {
				ev = append(ev, e)
				break
			}
		}
	}
	return len(spans) > 0, spans, ev
}

// gap is the number of words between a and b; ordered: a must come first.
func (n nearNode) gap(a, b occ) (int, bool) {
	switch {
	case a.last < b.first:
		return b.first - a.last - 1, true
	case n.ordered:
		return 0, false
	case b.last < a.first:
		return a.first - b.last - 1, true
	}
	return 0, true // overlapping
}

func (n nearNode) positive(neg bool, out map[int]bool) {
	n.a.positive(neg, out)
	n.b.positive(neg, out)
}

// Terms are the terms a match may name, as written: those that count
// for a match (not under NOT), in the query's order.
func (q *Query) Terms() []string {
	var out []string
	for i, l := range q.leaf {
		if q.pos[i] && !slices.Contains(out, l.text) {
			out = append(out, l.text)
		}
	}
	return out
}

// Eval matches the query against a document.
func (q *Query) Eval(d Doc) Result {
	if q.empty {
		return Result{}
	}
	return q.eval(q.m.Scan(d))
}

// Scanned is a document's hits of a matcher, and the occurrences it
// refused, by field.
type Scanned struct {
	hits    [len(fieldOrder)][]Hit
	refused [len(fieldOrder)][]Refusal
}

// Scan finds the matcher's keywords in every field of a document, each
// field read once.
func (m *Matcher) Scan(d Doc) *Scanned {
	sc := &Scanned{}
	for i, f := range fieldOrder {
		if text := d.field(f); text != "" {
			sc.hits[i], sc.refused[i] = m.find(Normalize(text), d.Lang)
		}
	}
	return sc
}

func (q *Query) eval(sc *Scanned) Result {
	// Only the terms found are looked at, however many the query has.
	found := map[int][]occ{}
	forms := map[int][]string{}
	q.each(sc.hits, func(h Hit, li int, f string) {
		found[li] = append(found[li], occ{field: f, first: h.FirstWord, last: h.LastWord, leaf: li})
		if h.Form != "" && !slices.Contains(forms[li], h.Form) {
			forms[li] = append(forms[li], h.Form)
		}
	})
	refused := q.refused(sc)
	ok, _, evidence := q.root.eval(found)
	if !ok {
		return Result{Refused: refused}
	}
	// Report what made the match: the terms of the evidence, and where.
	where := map[int][]string{}
	for _, e := range evidence {
		if e.leaf >= 0 && q.pos[e.leaf] && !slices.Contains(where[e.leaf], e.field) {
			where[e.leaf] = append(where[e.leaf], e.field)
		}
	}
	leaves := make([]int, 0, len(where))
	for li := range where {
		leaves = append(leaves, li)
	}
	sort.Ints(leaves)
	r := Result{Matched: true, Terms: []string{}, Fields: map[string][]string{}, leaves: map[int]bool{}, Refused: refused}
	for _, li := range leaves {
		r.leaves[li] = true
		text := q.leaf[li].text
		for _, f := range forms[li] {
			if r.Forms == nil {
				r.Forms = map[string][]string{}
			}
			if !slices.Contains(r.Forms[text], f) {
				r.Forms[text] = append(r.Forms[text], f)
			}
		}
		if _, dup := r.Fields[text]; !dup {
			r.Terms = append(r.Terms, text)
		}
		fs := r.Fields[text]
		for _, f := range where[li] {
			if !slices.Contains(fs, f) {
				fs = append(fs, f)
			}
		}
		sort.Slice(fs, func(i, j int) bool { return fieldRank(fs[i]) < fieldRank(fs[j]) })
		r.Fields[text] = fs
	}
	return r
}

// each calls fn for each hit of a field that stands for one of the
// query's leaves there, with the leaf and the field.
func (q *Query) each(hits [len(fieldOrder)][]Hit, fn func(h Hit, leaf int, field string)) {
	for fi, f := range fieldOrder {
		for _, h := range hits[fi] {
			if h.Keyword >= len(q.byTerm) {
				continue
			}
			for _, li := range q.byTerm[h.Keyword] {
				if l := q.leaf[li]; l.field == f || l.field == "" && f != FieldURL && f != FieldSource {
					fn(h, li, f)
				}
			}
		}
	}
}

// refused are the refusals of the scan that concern the query's terms
// that count for a match, each term and field once.
func (q *Query) refused(sc *Scanned) []Refused {
	var out []Refused
	seen := map[[2]string]bool{}
	for fi, f := range fieldOrder {
		for _, r := range sc.refused[fi] {
			if r.Keyword >= len(q.byTerm) {
				continue
			}
			for _, li := range q.byTerm[r.Keyword] {
				l := q.leaf[li]
				if !q.pos[li] || l.field != f && (l.field != "" || f == FieldURL || f == FieldSource) || seen[[2]string{l.text, f}] {
					continue
				}
				seen[[2]string{l.text, f}] = true
				out = append(out, Refused{Term: l.text, Field: f, Why: r.Why, Context: r.Context})
			}
		}
	}
	return out
}

func fieldRank(f string) int {
	for i, g := range fieldOrder {
		if g == f {
			return i
		}
	}
	return len(fieldOrder)
}

// Highlights returns the byte ranges in s, a text in the language lang,
// of the terms that made the result, for emphasis in a summary.
func (q *Query) Highlights(r Result, s, lang string) [][2]int {
	var out [][2]int
	for _, h := range q.m.FindAllLang(s, lang) {
		if h.Keyword >= len(q.byTerm) {
			continue
		}
		for _, li := range q.byTerm[h.Keyword] {
			if l := q.leaf[li]; r.leaves[li] && l.field != FieldURL && l.field != FieldSource {
				out = append(out, [2]int{h.Start, h.End})
				break
			}
		}
	}
	return out
}

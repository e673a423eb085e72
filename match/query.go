package match

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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
	terms []Term // one per leaf, as compiled
	m     *Matcher
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
	leaves map[int]bool // the leaves of Terms
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
	ok := false
	var ev []occ
	for _, k := range o.kids {
		if kok, spans, kev := k.eval(found); kok {
			ok = true
			all = append(all, spans...)
			ev = append(ev, kev...)
		}
	}
	return ok, all, ev
}

func (o orNode) positive(neg bool, out map[int]bool) {
	for _, k := range o.kids {
		k.positive(neg, out)
	}
}

func (a andNode) eval(found map[int][]occ) (bool, []occ, []occ) {
	var all, ev []occ
	for _, k := range a.kids {
		ok, spans, kev := k.eval(found)
		if !ok {
			return false, nil, nil
		}
		all = append(all, spans...)
		ev = append(ev, kev...)
	}
	return true, all, ev
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

// Eval matches the query against a document.
func (q *Query) Eval(d Doc) Result {
	if q.empty {
		return Result{}
	}
	return q.eval(q.m.Scan(d))
}

// Scanned is a document's hits of a matcher, by field.
type Scanned struct {
	hits [len(fieldOrder)][]Hit
}

// Scan finds the matcher's keywords in every field of a document, each
// field read once.
func (m *Matcher) Scan(d Doc) *Scanned {
	sc := &Scanned{}
	for i, f := range fieldOrder {
		if text := d.field(f); text != "" {
			sc.hits[i] = m.FindAllLang(Normalize(text), d.Lang)
		}
	}
	return sc
}

func (q *Query) eval(sc *Scanned) Result {
	// Only the terms found are looked at, however many the query has.
	found := map[int][]occ{}
	for fi, f := range fieldOrder {
		for _, h := range sc.hits[fi] {
			if h.Keyword >= len(q.byTerm) {
				continue
			}
			for _, li := range q.byTerm[h.Keyword] {
				l := q.leaf[li]
				if l.field != f && (l.field != "" || f == FieldURL || f == FieldSource) {
					continue
				}
				found[li] = append(found[li], occ{field: f, first: h.FirstWord, last: h.LastWord, leaf: li})
			}
		}
	}
	ok, _, evidence := q.root.eval(found)
	if !ok {
		return Result{}
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
	r := Result{Matched: true, Terms: []string{}, Fields: map[string][]string{}, leaves: map[int]bool{}}
	for _, li := range leaves {
		r.leaves[li] = true
		text := q.leaf[li].text
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

// Watchlist builds a watcher's query: any of keywords (each a literal term
// or phrase, never parsed as a query) or the query, and none of exclude.
// Either keywords or query may be empty. synonyms are the sets @name
// refers to. A mistake in the query is a *QueryError; in a keyword, an
// error naming the keyword.
func Watchlist(keywords []string, query string, exclude []string, synonyms map[string][]string) (*Query, error) {
	return Spec{Keywords: keywords, Query: query, Exclude: exclude, Synonyms: synonyms}.Compile()
}

// Spec is a watchlist to compile: see Watchlist.
type Spec struct {
	Keywords []string
	Query    string
	Exclude  []string
	Synonyms map[string][]string
	// Stem matches terms by their stems: "de", "en", "auto" (the
	// document's language) or "" (exact words).
	Stem string
}

// Compile compiles the watchlist.
func (sp Spec) Compile() (*Query, error) {
	keywords, query, exclude := sp.Keywords, sp.Query, sp.Exclude
	b := &builder{synonyms: sp.Synonyms, stem: sp.Stem}
	var any []node
	for _, k := range keywords {
		any = append(any, b.add(k, "", CaseAuto))
	}
	if strings.TrimSpace(query) != "" {
		n, err := b.parse(query)
		if err != nil {
			return nil, err
		}
		pos := map[int]bool{}
		n.positive(false, pos)
		if len(pos) == 0 {
			return nil, &QueryError{Pos: 1, Msg: "nothing to match, only NOT: a query needs a term that must be there"}
		}
		any = append(any, n)
	}
	var root node = newOr(any)
	if len(exclude) > 0 {
		var none []node
		for _, k := range exclude {
			none = append(none, b.add(k, "", CaseAuto))
		}
		root = andNode{[]node{root, notNode{newOr(none)}}}
	}
	q := &Query{root: root, leaf: b.leaves, terms: b.terms, pos: map[int]bool{}, empty: len(any) == 0}
	root.positive(false, q.pos)
	m, err := CompileTerms(b.terms)
	if err != nil {
		return nil, err
	}
	q.m = m
	q.byTerm = make([][]int, len(b.terms))
	for i := range b.terms {
		q.byTerm[i] = []int{i}
	}
	return q, nil
}

// Set is many queries compiled into one matcher, so that a document is
// read once, whatever the number of queries and terms; each query is then
// evaluated on the terms found.
type Set struct {
	m       *Matcher
	queries []*Query
}

// NewSet compiles the queries' terms together; a term that several
// queries share is looked for once. The queries then match through the
// set (Scan, then EvalScanned) as well as on their own.
func NewSet(queries ...*Query) (*Set, error) {
	var terms []Term
	id := map[Term]int{}
	byTerm := make([][][]int, len(queries))
	for qi, q := range queries {
		for li, t := range q.terms {
			k, ok := id[t]
			if !ok {
				k = len(terms)
				id[t] = k
				terms = append(terms, t)
			}
			for len(byTerm[qi]) <= k {
				byTerm[qi] = append(byTerm[qi], nil)
			}
			byTerm[qi][k] = append(byTerm[qi][k], li)
		}
	}
	m, err := CompileTerms(terms)
	if err != nil {
		return nil, err
	}
	s := &Set{m: m}
	for qi, q := range queries {
		c := *q
		c.m, c.byTerm = m, byTerm[qi]
		s.queries = append(s.queries, &c)
	}
	return s, nil
}

// Queries returns the set's queries, in the order given to NewSet, bound
// to the set's matcher.
func (s *Set) Queries() []*Query { return s.queries }

// Scan reads a document once for all the set's queries.
func (s *Set) Scan(d Doc) *Scanned { return s.m.Scan(d) }

// WithSource returns a scan with its source field replaced: the same
// article can be listed by several sources, so a scan of its text is shared
// and the source's name scanned on its own.
func (s *Set) WithSource(sc *Scanned, source string) *Scanned {
	c := *sc
	c.hits[len(fieldOrder)-1] = nil
	if source != "" {
		// A source's name is an identifier: a term matches all of it
		// ("faz" is not "faz-politik").
		name := Normalize(source)
		last := len(tokenize(name)) - 1
		for _, h := range s.m.FindAll(name) {
			if h.FirstWord == 0 && h.LastWord == last {
				c.hits[len(fieldOrder)-1] = append(c.hits[len(fieldOrder)-1], h)
			}
		}
	}
	return &c
}

// EvalScanned evaluates a query of the set on a document the set scanned.
func (q *Query) EvalScanned(sc *Scanned) Result {
	if q.empty {
		return Result{}
	}
	return q.eval(sc)
}

// ParseQuery compiles a query alone.
func ParseQuery(query string, synonyms map[string][]string) (*Query, error) {
	if strings.TrimSpace(query) == "" {
		return nil, &QueryError{Pos: 1, Msg: "empty query"}
	}
	return Watchlist(nil, query, nil, synonyms)
}

type builder struct {
	synonyms map[string][]string
	stem     string
	leaves   []leaf
	terms    []Term
}

func (b *builder) add(text, field string, c Case) node {
	b.leaves = append(b.leaves, leaf{text: text, field: field})
	b.terms = append(b.terms, Term{Text: text, Case: c, Stem: b.stem})
	return termNode{len(b.leaves) - 1}
}

// Tokens of the query language.
type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tAnd
	tOr
	tNot
	tNear
	tTerm
)

type qtoken struct {
	kind    tokKind
	pos     int // 1-based character position
	text    string
	phrase  bool
	syn     bool
	n       int  // NEAR distance
	ordered bool // ONEAR
	field   string
	cs      Case
	minus   bool // -term
}

var nearRe = regexp.MustCompile(`^(O?NEAR)(?:/(\d+))?$`)

func lex(q string) ([]qtoken, error) {
	var toks []qtoken
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		pos := i + 1
		switch {
		case unicode.IsSpace(r):
			i++
			continue
		case r == '(':
			toks = append(toks, qtoken{kind: tLParen, pos: pos})
			i++
			continue
		case r == ')':
			toks = append(toks, qtoken{kind: tRParen, pos: pos})
			i++
			continue
		}
		t := qtoken{kind: tTerm, pos: pos}
		if r == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			t.minus = true
			i++
		}
		// Modifiers: title:, raw:, … before a term, a phrase or a group.
		// After a field, only raw: and nocase: are modifiers; the rest is
		// the term, so that url:https://… means what it says.
		for {
			j := i
			for j < len(rs) && unicode.IsLetter(rs[j]) {
				j++
			}
			if j == i || j >= len(rs) || rs[j] != ':' {
				break
			}
			mod := strings.ToLower(string(rs[i:j]))
			switch mod {
			case FieldTitle, FieldTeaser, FieldBody, FieldURL, FieldSource:
				if t.field != "" {
					return nil, &QueryError{Pos: i + 1, Msg: "two fields on one term"}
				}
				t.field = mod
			case "raw", "nocase":
				c := CaseSensitive
				if mod == "nocase" {
					c = CaseInsensitive
				}
				if t.cs != CaseAuto && t.cs != c {
					return nil, &QueryError{Pos: i + 1, Msg: "raw: and nocase: on one term"}
				}
				t.cs = c
			default:
				if t.field != "" {
					goto term // the term itself has a colon
				}
				return nil, &QueryError{Pos: i + 1, Msg: fmt.Sprintf("unknown field %q (fields: title, teaser, body, url, source; modes: raw, nocase)", mod)}
			}
			i = j + 1
		}
	term:
		if i < len(rs) && rs[i] == '-' && !t.minus && (t.field != "" || t.cs != CaseAuto) {
			return nil, &QueryError{Pos: i + 1, Msg: "put - before the field, as in -title:term"}
		}
		if i < len(rs) && rs[i] == '(' {
			if t.minus {
				toks = append(toks, qtoken{kind: tNot, pos: pos})
			}
			// The group's modifiers go on the parenthesis.
			toks = append(toks, qtoken{kind: tLParen, pos: i + 1, field: t.field, cs: t.cs})
			i++
			continue
		}
		switch {
		case i < len(rs) && rs[i] == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, &QueryError{Pos: i + 1, Msg: "unclosed quote"}
			}
			t.text, t.phrase = string(rs[i+1:j]), true
			i = j + 1
			if i < len(rs) && rs[i] == '*' { // "Islamischen Staat"*
				t.text += "*"
				i++
			}
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '(' && rs[j] != ')' && rs[j] != '"' {
				j++
			}
			t.text = string(rs[i:j])
			i = j
			if t.text == "" {
				return nil, &QueryError{Pos: pos, Msg: "expected a term"}
			}
			if t.field == "" && t.cs == CaseAuto && !t.minus {
				switch t.text {
				case "AND":
					toks = append(toks, qtoken{kind: tAnd, pos: pos})
					continue
				case "OR":
					toks = append(toks, qtoken{kind: tOr, pos: pos})
					continue
				case "NOT":
					toks = append(toks, qtoken{kind: tNot, pos: pos})
					continue
				}
				if m := nearRe.FindStringSubmatch(t.text); m != nil || strings.HasPrefix(t.text, "NEAR/") || strings.HasPrefix(t.text, "ONEAR/") {
					if m == nil || m[2] == "" {
						op, _, _ := strings.Cut(t.text, "/")
						return nil, &QueryError{Pos: pos, Msg: op + " needs a distance in words, as in " + op + "/5"}
					}
					n, _ := strconv.Atoi(m[2])
					toks = append(toks, qtoken{kind: tNear, pos: pos, n: n, ordered: m[1] == "ONEAR"})
					continue
				}
			}
			if strings.HasPrefix(t.text, "@") {
				t.syn, t.text = true, t.text[1:]
			}
		}
		if t.minus {
			toks = append(toks, qtoken{kind: tNot, pos: pos})
			t.minus = false
		}
		toks = append(toks, t)
	}
	return append(toks, qtoken{kind: tEOF, pos: utf8.RuneCountInString(q) + 1}), nil
}

type parser struct {
	b    *builder
	toks []qtoken
	i    int
}

type mods struct {
	field string
	cs    Case
}

func (b *builder) parse(q string) (node, error) {
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	p := &parser{b: b, toks: toks}
	n, err := p.or(mods{})
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); t.kind {
	case tEOF:
		return n, nil
	case tRParen:
		return nil, &QueryError{Pos: t.pos, Msg: "unbalanced parenthesis"}
	default:
		return nil, &QueryError{Pos: t.pos, Msg: "unexpected " + describe(t)}
	}
}

func (p *parser) peek() qtoken { return p.toks[p.i] }
func (p *parser) next() qtoken { t := p.toks[p.i]; p.i++; return t }

func (p *parser) or(m mods) (node, error) {
	first, err := p.and(m)
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.peek().kind == tOr {
		p.next()
		n, err := p.and(m)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return newOr(kids), nil
}

func (p *parser) and(m mods) (node, error) {
	first, err := p.near(m)
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		switch p.peek().kind {
		case tAnd:
			p.next()
		case tTerm, tNot, tLParen: // AND may be left out
		default:
			if len(kids) == 1 {
				return first, nil
			}
			return andNode{kids}, nil
		}
		n, err := p.near(m)
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
}

func (p *parser) near(m mods) (node, error) {
	left, err := p.unary(m)
	if err != nil {
		return nil, err
	}
	for p.peek().kind == tNear {
		op := p.next()
		right, err := p.unary(m)
		if err != nil {
			return nil, err
		}
		if !proximal(left) || !proximal(right) {
			return nil, &QueryError{Pos: op.pos, Msg: "NEAR takes terms, phrases or OR groups of them, not NOT or AND"}
		}
		left = nearNode{a: left, b: right, n: op.n, ordered: op.ordered}
	}
	return left, nil
}

// proximal reports whether a node has positions for NEAR.
func proximal(n node) bool {
	switch n := n.(type) {
	case termNode, nearNode:
		return true
	case orNode:
		for _, k := range n.kids {
			if !proximal(k) {
				return false
			}
		}
		return true
	}
	return false
}

func (p *parser) unary(m mods) (node, error) {
	t := p.next()
	switch t.kind {
	case tNot:
		n, err := p.unary(m)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case tLParen:
		inner := m
		if t.field != "" {
			inner.field = t.field
		}
		if t.cs != CaseAuto {
			inner.cs = t.cs
		}
		if p.peek().kind == tRParen {
			return nil, &QueryError{Pos: t.pos, Msg: "empty group"}
		}
		n, err := p.or(inner)
		if err != nil {
			return nil, err
		}
		if p.peek().kind != tRParen {
			return nil, &QueryError{Pos: t.pos, Msg: "unbalanced parenthesis"}
		}
		p.next()
		return n, nil
	case tTerm:
		field, cs := m.field, m.cs
		if t.field != "" {
			field = t.field
		}
		if t.cs != CaseAuto {
			cs = t.cs
		}
		if t.syn {
			set, ok := p.b.synonyms[t.text]
			if !ok {
				return nil, &QueryError{Pos: t.pos, Msg: fmt.Sprintf("unknown synonym set @%s", t.text)}
			}
			var kids []node
			for _, s := range set {
				if _, err := parse(s, cs); err != nil {
					return nil, &QueryError{Pos: t.pos, Msg: fmt.Sprintf("synonym set @%s: %q: %v", t.text, s, err)}
				}
				kids = append(kids, p.b.add(s, field, cs))
			}
			return newOr(kids), nil
		}
		if _, err := parse(t.text, cs); err != nil {
			return nil, &QueryError{Pos: t.pos, Msg: fmt.Sprintf("%q: %v", t.text, err)}
		}
		return p.b.add(t.text, field, cs), nil
	case tRParen:
		return nil, &QueryError{Pos: t.pos, Msg: "unbalanced parenthesis"}
	default:
		return nil, &QueryError{Pos: t.pos, Msg: "expected a term, a phrase or a group, found " + describe(t)}
	}
}

func describe(t qtoken) string {
	switch t.kind {
	case tEOF:
		return "the end of the query"
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tNear:
		return "NEAR"
	case tLParen:
		return "("
	case tRParen:
		return ")"
	}
	return strconv.Quote(t.text)
}

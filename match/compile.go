package match

import "strings"

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
	// Forms are the languages ("de", "en") in which every term that names
	// a place also finds the place's other forms: Syrien finds Syriens,
	// syrische, Syrer; with "en", Syria and Syrian too (forms.go). A
	// query's forms:Syrien asks for them for one term: in these
	// languages, or, when there are none, in the term's own.
	Forms []string
}

// Compile compiles the watchlist.
func (sp Spec) Compile() (*Query, error) {
	keywords, query, exclude := sp.Keywords, sp.Query, sp.Exclude
	b := &builder{synonyms: sp.Synonyms, stem: sp.Stem, forms: sp.Forms}
	var any []node
	for _, k := range keywords {
		any = append(any, b.add(k, "", CaseAuto, false))
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
			none = append(none, b.add(k, "", CaseAuto, false))
		}
		root = andNode{[]node{root, notNode{newOr(none)}}}
	}
	q := &Query{root: root, leaf: b.leaves, terms: b.terms, termLeaf: b.termLeaf, pos: map[int]bool{}, empty: len(any) == 0}
	root.positive(false, q.pos)
	m, err := CompileTerms(b.terms)
	if err != nil {
		return nil, err
	}
	q.m = m
	q.byTerm = make([][]int, len(b.terms))
	for i := range b.terms {
		q.byTerm[i] = []int{b.termLeaf[i]}
	}
	return q, nil
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
	forms    []string
	leaves   []leaf
	terms    []Term
	termLeaf []int // the leaf of each term
}

// add adds a leaf for a term, with the term and, for a place's name when
// forms are asked for (the builder's, or forms: on this term), the
// place's other forms.
func (b *builder) add(text, field string, c Case, forms bool) node {
	li := len(b.leaves)
	b.leaves = append(b.leaves, leaf{text: text, field: field})
	langs := b.forms
	if forms && len(langs) == 0 {
		langs = langsOf(text)
	}
	var fs []string
	var notIn string
	if p := places[key(text)]; p != nil && len(langs) > 0 {
		// A place's name, asked for as a place: also its other forms, and
		// none of them where it is part of another place's name.
		fs = placeForms(text, langs)
		notIn = longerNames(p, append([]string{text}, fs...))
	}
	b.terms = append(b.terms, Term{Text: text, Case: c, Stem: b.stem, NotIn: notIn})
	b.termLeaf = append(b.termLeaf, li)
	for _, f := range fs {
		b.terms = append(b.terms, Term{Text: f, Case: CaseAuto, Form: true, NotIn: notIn})
		b.termLeaf = append(b.termLeaf, li)
	}
	return termNode{li}
}

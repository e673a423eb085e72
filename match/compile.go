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

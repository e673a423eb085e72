package match

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
		for ti, t := range q.terms {
			li := q.termLeaf[ti]
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

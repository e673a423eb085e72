package match

import (
	"fmt"
)

type parser struct {
	b    *builder
	toks []qtoken
	i    int
	// depth is how deep the parser is in groups and NOTs: a query nested
	// deeper than MaxDepth is refused, not parsed into a stack overflow.
	depth int
}

// Limits on a query: how deep groups and NOTs may nest, and how long it
// may be, in characters. A watchlist of hundreds of names fits easily.
const (
	MaxDepth  = 100
	MaxLength = 100_000
)

type mods struct {
	field string
	cs    Case
	forms bool
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
	if t.kind == tNot || t.kind == tLParen {
		if p.depth++; p.depth > MaxDepth {
			return nil, &QueryError{Pos: t.pos, Msg: fmt.Sprintf("groups and NOTs nested more than %d deep", MaxDepth)}
		}
		defer func() { p.depth-- }()
	}
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
		inner.forms = inner.forms || t.forms
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
		field, cs, forms := m.field, m.cs, m.forms || t.forms
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
				kids = append(kids, p.b.add(s, field, cs, forms))
			}
			return newOr(kids), nil
		}
		if _, err := parse(t.text, cs); err != nil {
			return nil, &QueryError{Pos: t.pos, Msg: fmt.Sprintf("%q: %v", t.text, err)}
		}
		return p.b.add(t.text, field, cs, forms), nil
	case tRParen:
		return nil, &QueryError{Pos: t.pos, Msg: "unbalanced parenthesis"}
	default:
		return nil, &QueryError{Pos: t.pos, Msg: "expected a term, a phrase or a group, found " + describe(t)}
	}
}

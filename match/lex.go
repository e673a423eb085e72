package match

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

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
	forms   bool // forms: the place's other forms too
	minus   bool // -term
}

var nearRe = regexp.MustCompile(`^(O?NEAR)(?:/(\d+))?$`)

// lexer reads a query into tokens, rune by rune.
type lexer struct {
	rs   []rune
	i    int // the next rune to read
	toks []qtoken
}

func lex(q string) ([]qtoken, error) {
	if n := utf8.RuneCountInString(q); n > MaxLength {
		return nil, &QueryError{Pos: MaxLength + 1, Msg: fmt.Sprintf("the query is %d characters long, more than %d", n, MaxLength)}
	}
	l := &lexer{rs: []rune(q)}
	for l.i < len(l.rs) {
		if err := l.token(); err != nil {
			return nil, err
		}
	}
	return append(l.toks, qtoken{kind: tEOF, pos: utf8.RuneCountInString(q) + 1}), nil
}

// at reports whether the next rune is r.
func (l *lexer) at(r rune) bool { return l.i < len(l.rs) && l.rs[l.i] == r }

func (l *lexer) emit(t qtoken) { l.toks = append(l.toks, t) }

// token reads what begins at the next rune: a space, a parenthesis, or a
// term, a phrase or a group with what modifies it.
func (l *lexer) token() error {
	r, pos := l.rs[l.i], l.i+1
	switch {
	case unicode.IsSpace(r):
		l.i++
		return nil
	case r == '(':
		l.emit(qtoken{kind: tLParen, pos: pos})
		l.i++
		return nil
	case r == ')':
		l.emit(qtoken{kind: tRParen, pos: pos})
		l.i++
		return nil
	}
	t := qtoken{kind: tTerm, pos: pos}
	if r == '-' && l.i+1 < len(l.rs) && !unicode.IsSpace(l.rs[l.i+1]) {
		t.minus = true
		l.i++
	}
	if err := l.modifiers(&t); err != nil {
		return err
	}
	if l.at('-') && !t.minus && (t.field != "" || t.cs != CaseAuto || t.forms) {
		return &QueryError{Pos: l.i + 1, Msg: "put - before the field, as in -title:term"}
	}
	switch {
	case l.at('('):
		l.group(t)
		return nil
	case l.at('"'):
		return l.phrase(t)
	default:
		return l.word(t)
	}
}

// modifiers reads title:, raw:, forms:, … before a term, a phrase or a
// group. After a field, only raw:, nocase: and forms: are modifiers; the
// rest is the term, so that url:https://… means what it says.
func (l *lexer) modifiers(t *qtoken) error {
	for {
		j := l.i
		for j < len(l.rs) && unicode.IsLetter(l.rs[j]) {
			j++
		}
		if j == l.i || j >= len(l.rs) || l.rs[j] != ':' {
			return nil
		}
		mod := strings.ToLower(string(l.rs[l.i:j]))
		switch mod {
		case FieldTitle, FieldTeaser, FieldBody, FieldURL, FieldSource:
			if t.field != "" {
				return &QueryError{Pos: l.i + 1, Msg: "two fields on one term"}
			}
			t.field = mod
		case "raw", "nocase":
			c := CaseSensitive
			if mod == "nocase" {
				c = CaseInsensitive
			}
			if t.cs != CaseAuto && t.cs != c {
				return &QueryError{Pos: l.i + 1, Msg: "raw: and nocase: on one term"}
			}
			t.cs = c
		case "forms":
			t.forms = true
		default:
			if t.field != "" {
				return nil // the term itself has a colon
			}
			return &QueryError{Pos: l.i + 1, Msg: fmt.Sprintf("unknown field %q (fields: title, teaser, body, url, source; modes: raw, nocase, forms)", mod)}
		}
		l.i = j + 1
	}
}

// group reads the parenthesis that opens a group.
func (l *lexer) group(t qtoken) {
	if t.minus {
		l.emit(qtoken{kind: tNot, pos: t.pos})
	}
	// The group's modifiers go on the parenthesis.
	l.emit(qtoken{kind: tLParen, pos: l.i + 1, field: t.field, cs: t.cs})
	l.i++
}

// phrase reads a quoted phrase, with a * right after it.
func (l *lexer) phrase(t qtoken) error {
	j := l.i + 1
	for j < len(l.rs) && l.rs[j] != '"' {
		j++
	}
	if j >= len(l.rs) {
		return &QueryError{Pos: l.i + 1, Msg: "unclosed quote"}
	}
	t.text, t.phrase = string(l.rs[l.i+1:j]), true
	l.i = j + 1
	if l.at('*') { // "Islamischen Staat"*
		t.text += "*"
		l.i++
	}
	l.term(t)
	return nil
}

// word reads a word up to a space, a parenthesis or a quote: an operator,
// a term, or @ and the name of a synonym set.
func (l *lexer) word(t qtoken) error {
	j := l.i
	for j < len(l.rs) && !unicode.IsSpace(l.rs[j]) && l.rs[j] != '(' && l.rs[j] != ')' && l.rs[j] != '"' {
		j++
	}
	t.text = string(l.rs[l.i:j])
	l.i = j
	if t.text == "" {
		return &QueryError{Pos: t.pos, Msg: "expected a term"}
	}
	op, ok, err := operator(t)
	if err != nil {
		return err
	}
	if ok {
		l.emit(op)
		return nil
	}
	if strings.HasPrefix(t.text, "@") {
		t.syn, t.text = true, t.text[1:]
	}
	l.term(t)
	return nil
}

// operator reads a word as AND, OR, NOT or (O)NEAR/n. A word with a
// modifier or a minus is always a term: title:AND finds "and".
func operator(t qtoken) (op qtoken, ok bool, err error) {
	if t.field != "" || t.cs != CaseAuto || t.forms || t.minus {
		return qtoken{}, false, nil
	}
	switch t.text {
	case "AND":
		return qtoken{kind: tAnd, pos: t.pos}, true, nil
	case "OR":
		return qtoken{kind: tOr, pos: t.pos}, true, nil
	case "NOT":
		return qtoken{kind: tNot, pos: t.pos}, true, nil
	}
	m := nearRe.FindStringSubmatch(t.text)
	if m == nil && !strings.HasPrefix(t.text, "NEAR/") && !strings.HasPrefix(t.text, "ONEAR/") {
		return qtoken{}, false, nil
	}
	if m == nil || m[2] == "" {
		name, _, _ := strings.Cut(t.text, "/")
		return qtoken{}, false, &QueryError{Pos: t.pos, Msg: name + " needs a distance in words, as in " + name + "/5"}
	}
	n, _ := strconv.Atoi(m[2])
	return qtoken{kind: tNear, pos: t.pos, n: n, ordered: m[1] == "ONEAR"}, true, nil
}

// term adds a term, after a NOT for its minus.
func (l *lexer) term(t qtoken) {
	if t.minus {
		l.emit(qtoken{kind: tNot, pos: t.pos})
		t.minus = false
	}
	l.emit(t)
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

package watchers

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"regexp"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// A feed's texts (an item's headline, summary and content) are decoded
// once, as their type says, into what a reader sees: no entity left as
// text ("&amp;"), no markup shown as text, and no "<" lost that the
// author wrote as a character.
//
// Atom says a text's type (type="text", "html", "xhtml"; Atom 0.3 also
// MIME types and mode="escaped" or "base64"); gofeed reads the text but
// drops its type, so atomKinds reads the types of each entry's texts
// beside it. RSS says nothing: a text is taken as HTML when it holds
// markup or an entity, as publishers write it, escaped once or twice.

// textKind is how a feed's text is written.
type textKind uint8

const (
	kindUnknown textKind = iota // RSS: judged by what it holds
	kindText                    // what it says is what a reader sees
	kindHTML                    // HTML (or XHTML) markup, its entities once decoded
	kindEscaped                 // HTML markup escaped once more (Atom 0.3 mode="escaped")
)

// entryKinds are the kinds of an Atom entry's headline, summary and
// content; base64 marks a text in base64 (Atom 0.3 mode="base64").
type entryKinds struct {
	title, summary, content textKind
	base64                  map[string]bool // by element: title, summary, content
}

// atomKinds reads the kinds of each entry's texts of an Atom feed, in
// document order: gofeed keeps the entries in that order. It returns nil
// for a document it cannot read to the end.
func atomKinds(body []byte) []entryKinds {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var out []entryKinds
	depth, entry := 0, -1 // entry: the depth of the open <entry>, or -1
	var open *textKind    // the entry's text being read, if any
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			return nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if open != nil && depth > entry+1 {
				// An element within a text that says it is text (or
				// says nothing): markup all the same.
				if *open == kindText || *open == kindUnknown {
					*open = kindHTML
				}
				continue
			}
			switch {
			case t.Name.Local == "entry" && entry < 0:
				entry = depth
				out = append(out, entryKinds{})
			case entry >= 0 && depth == entry+1:
				e := &out[len(out)-1]
				typ, mode := attr(t, "type"), attr(t, "mode")
				k := atomKind(typ, mode)
				switch t.Name.Local {
				case "title":
					e.title, open = k, &e.title
				case "summary":
					e.summary, open = k, &e.summary
				case "content":
					e.content, open = k, &e.content
				default:
					continue
				}
				if mode == "base64" {
					if e.base64 == nil {
						e.base64 = map[string]bool{}
					}
					e.base64[t.Name.Local] = true
				}
			}
		case xml.EndElement:
			switch depth {
			case entry:
				entry = -1
			case entry + 1:
				open = nil
			}
			depth--
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return strings.ToLower(strings.TrimSpace(a.Value))
		}
	}
	return ""
}

// atomKind is the kind of an Atom text of the type and mode given.
func atomKind(typ, mode string) textKind {
	switch {
	case mode == "escaped":
		return kindEscaped
	case typ == "html" || typ == "text/html" || strings.Contains(typ, "xhtml"):
		return kindHTML
	case mode == "base64" && (typ == "" || !strings.HasPrefix(typ, "text")),
		typ != "" && typ != "text" && !strings.HasPrefix(typ, "text/"):
		// No type, or a binary one (base64 content): judged by what it
		// holds, once decoded.
		return kindUnknown
	}
	return kindText // "text", "text/plain", or none
}

// feedText is what a reader sees of a feed's text of the kind given,
// without control characters where windows-1252 meant punctuation.
func feedText(s string, k textKind, isBase64 bool) string {
	return demoronize(readText(s, k, isBase64))
}

func readText(s string, k textKind, isBase64 bool) string {
	if isBase64 {
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s)); err == nil {
			s = string(b)
		}
	}
	switch k {
	case kindText:
		return clean(s)
	case kindEscaped:
		return markupText(html.UnescapeString(s))
	case kindHTML:
		return markupText(s)
	}
	// RSS: HTML when it looks like HTML; and when it was all escaped
	// markup (entities, no tag), once more: a publisher that escaped it
	// twice ("&amp;lt;b&amp;gt;").
	if !looksLikeHTML(s) {
		return clean(s)
	}
	escaped := !hasTag(s)
	s = markupText(s)
	if escaped && hasTag(s) {
		s = markupText(s)
	}
	return s
}

var (
	entityRe = regexp.MustCompile(`&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)
	tagRe    = regexp.MustCompile(`</?([a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?>`)
)

// looksLikeHTML reports whether a text without a type holds an entity or
// a tag of an HTML element: "x < y" and "<Name>" are characters, "<b>",
// "<img …>" and "&amp;" are markup.
func looksLikeHTML(s string) bool {
	if !strings.ContainsAny(s, "<&") {
		return false
	}
	return entityRe.MatchString(s) || hasTag(s)
}

// hasTag reports whether s holds a tag of an HTML element.
func hasTag(s string) bool {
	for _, m := range tagRe.FindAllStringSubmatch(s, -1) {
		if atom.Lookup([]byte(strings.ToLower(m[1]))) != 0 {
			return true
		}
	}
	return false
}

// markupText is the text of an HTML fragment as a reader sees it: the
// text of its elements, blocks parted by a space; nothing of scripts,
// styles, frames or the document's head (a <meta> or <link> put in a
// headline to be obeyed, not read).
func markupText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return clean(s)
	}
	nodes, err := nethtml.ParseFragment(strings.NewReader(s), &nethtml.Node{Type: nethtml.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return clean(s)
	}
	var b strings.Builder
	var walk func(*nethtml.Node)
	walk = func(n *nethtml.Node) {
		switch n.Type {
		case nethtml.TextNode:
			b.WriteString(n.Data)
			return
		case nethtml.ElementNode:
			if n.DataAtom == atom.Iframe && n.FirstChild != nil {
				// An iframe left open takes the rest as its raw text:
				// read that as the markup it is.
				b.WriteString(" " + markupText(n.FirstChild.Data) + " ")
				return
			}
			if unread[n.DataAtom] {
				return
			}
			if blockTags[n.Data] || n.DataAtom == atom.Br {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == nethtml.ElementNode && blockTags[n.Data] {
			b.WriteByte(' ')
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return clean(b.String())
}

// unread are the elements whose content no reader sees.
var unread = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Noscript: true, atom.Noembed: true,
	atom.Noframes: true, atom.Template: true, atom.Head: true,
	atom.Title: true, atom.Meta: true, atom.Link: true, atom.Textarea: true, atom.Select: true,
}

package watchers

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"
)

// pageText is a parsed page's visible text with the text nodes it came
// from. The extractor hands back new nodes, not the page's, so this is how
// an extracted paragraph finds where it stood: which box held it, and how
// much of it was link text there. White space is left out on both sides,
// since the extractor moves it about.
type pageText struct {
	text   string
	starts []int        // starts[i] is where nodes[i] begins in text
	nodes  []*html.Node // text nodes in document order
}

// skipText are elements whose text no reader sees.
var skipText = map[string]bool{"head": true, "script": true, "style": true, "noscript": true, "template": true, "svg": true}

func indexPage(doc *html.Node) *pageText {
	pt := &pageText{}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if s := squeeze(n.Data); s != "" {
				pt.starts = append(pt.starts, b.Len())
				pt.nodes = append(pt.nodes, n)
				b.WriteString(s)
			}
			return
		case html.ElementNode:
			if skipText[n.Data] {
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	pt.text = b.String()
	return pt
}

// squeeze drops white space and puts text in NFC, as clean does for the
// extracted paragraphs.
func squeeze(s string) string {
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), "")
	}
	return norm.NFC.String(s)
}

// origin is where an extracted paragraph stood in the page.
type origin struct {
	node      *html.Node // the smallest element holding all of it
	linkShare float64    // the part of its text that was link text
	link      *html.Node // the first link in it
	end       int        // where it ends in pageText.text
}

// locate finds paragraph p in the page, preferring its first occurrence at
// or after from (paragraphs come out in page order). ok is false when the
// extractor changed its text beyond recognition.
func (pt *pageText) locate(p string, from int) (o origin, ok bool) {
	key := squeeze(p)
	if key == "" {
		return o, false
	}
	at := -1
	if from < len(pt.text) {
		if i := strings.Index(pt.text[from:], key); i >= 0 {
			at = from + i
		}
	}
	if at < 0 {
		if at = strings.Index(pt.text, key); at < 0 {
			return o, false
		}
	}
	o = pt.at(at, len(key))
	// A heading stands in a table of contents too, as a link, before the
	// heading itself.
	if o.linkShare == 1 {
		if i := strings.Index(pt.text[o.end:], key); i >= 0 {
			if next := pt.at(o.end+i, len(key)); next.linkShare < 1 {
				o = next
			}
		}
	}
	return o, o.node != nil
}

// at describes the n bytes of text at offset at.
func (pt *pageText) at(at, n int) origin {
	end := at + n
	first := sort.SearchInts(pt.starts, at+1) - 1
	last := sort.SearchInts(pt.starts, end) - 1
	var linked int
	var link *html.Node
	for i := first; i <= last; i++ {
		lo, hi := pt.starts[i], len(pt.text)
		if i+1 < len(pt.starts) {
			hi = pt.starts[i+1]
		}
		if a := linkOf(pt.nodes[i]); a != nil {
			linked += min(hi, end) - max(lo, at)
			if link == nil {
				link = a
			}
		}
	}
	return origin{
		node:      commonAncestor(pt.nodes[first], pt.nodes[last]),
		linkShare: float64(linked) / float64(n),
		link:      link,
		end:       end,
	}
}

// linkOf is the link n stands in, or nil.
func linkOf(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "a" {
			return p
		}
	}
	return nil
}

// commonAncestor is the lowest element holding both text nodes a and b.
func commonAncestor(a, b *html.Node) *html.Node {
	a, b = a.Parent, b.Parent
	da, db := depth(a), depth(b)
	for ; da > db; da-- {
		a = a.Parent
	}
	for ; db > da; db-- {
		b = b.Parent
	}
	for a != b {
		a, b = a.Parent, b.Parent
	}
	return a
}

func depth(n *html.Node) int {
	d := 0
	for ; n != nil; n = n.Parent {
		d++
	}
	return d
}

// para is an extracted paragraph with what the page says about it.
type para struct {
	text  string
	runes int
	node  *html.Node // the element it stood in, nil if it was not found
	link  float64    // the share of it that was link text there
	a     *html.Node // its first link
	box   []string   // tag names and class and id words of the boxes around it that do not hold the article's body
}

// placeParagraphs locates the extracted paragraphs in the page and names the
// boxes each stood in, below the article's body.
func placeParagraphs(doc *html.Node, texts []string) []para {
	pt := indexPage(doc)
	ps := make([]para, len(texts))
	from := 0
	for i, t := range texts {
		ps[i] = para{text: t, runes: utf8.RuneCountInString(t)}
		if o, ok := pt.locate(t, from); ok {
			ps[i].node, ps[i].link, ps[i].a = o.node, o.linkShare, o.link
			from = o.end
		}
	}
	holds := map[*html.Node]bool{}
	for n := bodyNode(doc, ps); n != nil; n = n.Parent {
		holds[n] = true
	}
	for i := range ps {
		for n := ps[i].node; n != nil && !holds[n]; n = n.Parent {
			if n.Type == html.ElementNode {
				ps[i].box = append(ps[i].box, boxWords(n)...)
			}
		}
	}
	return ps
}

// bodyNode is the deepest element that holds more than half of the
// extracted text: the article's body. Boxes inside it that hold little of
// the text, and boxes beside it, are what a paragraph's markup says about
// it.
func bodyNode(doc *html.Node, ps []para) *html.Node {
	weight := map[*html.Node]int{}
	total := 0
	for _, p := range ps {
		for n := p.node; n != nil; n = n.Parent {
			weight[n] += len(p.text)
		}
		if p.node != nil {
			total += len(p.text)
		}
	}
	if total == 0 {
		return nil
	}
	for n := doc; ; {
		var next *html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if 2*weight[c] > total {
				next = c
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
}

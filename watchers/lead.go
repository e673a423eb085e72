package watchers

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// pageLead is the article's lead (standfirst) as the page shows it, or "":
// an element named for it, by its class ("article__intro", "teaser-text")
// or itemprop="description", that stands after the headline and before
// the first paragraph of the extracted body. Extractors often leave the
// lead out, taking it for a teaser, and the meta description that stands
// in for it is often another text: cut short, written for search engines,
// or the first lines of the body.
//
// Teasers of other articles use the same class names; what sets the lead
// apart is where it stands: between the headline and the body, outside
// asides, lists, links and related-article boxes.
func pageLead(doc *html.Node, body []para) string {
	stop := firstBodyNode(body)
	if stop == nil {
		return ""
	}
	var first, afterH1 string
	seenH1, done := false, false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if done {
			return
		}
		if n == stop {
			done = true
			return
		}
		if n.Type == html.ElementNode {
			if skipText[n.Data] || notLeadBox(n) {
				return
			}
			if n.Data == "h1" {
				seenH1 = true
			}
			if leadElement(n) {
				if t := leadText(n); t != "" {
					if first == "" {
						first = t
					}
					if seenH1 && afterH1 == "" {
						afterH1 = t
					}
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !done {
		return "" // the body was not found where the walk went
	}
	// Where the headline stands before the body, the lead comes after it:
	// what comes before is the site's, not the article's.
	if seenH1 {
		return afterH1
	}
	return first
}

// firstBodyNode is where the extracted body's first paragraph of prose
// stands in the page: the lead comes before it. Short lines (a byline, a
// date) may stand before the lead.
func firstBodyNode(body []para) *html.Node {
	for _, p := range body {
		if p.node != nil && p.runes >= 80 {
			return p.node
		}
	}
	return nil
}

// notLeadBox reports whether n is a box no lead stands in: navigation,
// asides, captions, forms, lists, links, boxes of related articles.
func notLeadBox(n *html.Node) bool {
	switch n.Data {
	case "aside", "nav", "footer", "figure", "form", "li", "a", "button":
		return true
	}
	for _, w := range boxWords(n)[1:] {
		switch w {
		case "related", "more", "recommended", "recommendations", "list", "teasers", "sidebar", "nav", "navigation", "menu":
			return true
		}
	}
	return false
}

// leadElement reports whether n is named a lead.
func leadElement(n *html.Node) bool {
	for _, a := range n.Attr {
		switch {
		case a.Key == "itemprop" && a.Val == "description":
			return true
		case a.Key == "class" && leadClass(a.Val):
			return true
		}
	}
	return false
}

// leadText is the text of a lead element, or "" when it is no lead: too
// short for a sentence, or mostly link text. A lead's box may hold its
// picture too: captions and credits are left out.
func leadText(n *html.Node) string {
	var all, linked int
	var parts []string
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		switch {
		case n.Type == html.TextNode:
			k := utf8.RuneCountInString(strings.TrimSpace(n.Data))
			all += k
			if inLink {
				linked += k
			}
			return
		case n.Type == html.ElementNode && pictureBox(n):
			return
		}
		inLink = inLink || n.Type == html.ElementNode && n.Data == "a"
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(n, false)
	if all < 40 || 2*linked > all {
		return ""
	}
	for _, p := range paragraphsBut(n, pictureBox) {
		if shapeReason(p, utf8.RuneCountInString(p)) == "" {
			parts = append(parts, p)
		}
	}
	t := strings.Join(parts, " ")
	if utf8.RuneCountInString(t) < 40 || !strings.ContainsFunc(t, unicode.IsLower) {
		return ""
	}
	return t
}

// pictureBox reports whether n holds a picture and its caption or credit.
func pictureBox(n *html.Node) bool {
	switch n.Data {
	case "figure", "figcaption", "picture", "img", "svg":
		return true
	}
	for _, w := range boxWords(n)[1:] {
		switch w {
		case "image", "img", "picture", "photo", "foto", "bild", "media", "caption", "credit", "copyright":
			return true
		}
	}
	return false
}

// leadWords name an article's lead paragraph in its class names, as whole
// parts of them: "article-intro", "atc-IntroText", "teaser__text",
// "c-dek", "artikel-vorspann".
var leadWords = map[string]bool{
	"teaser": true, "intro": true, "lead": true, "standfirst": true, "summary": true, "abstract": true,
	"excerpt": true, "subtitle": true, "subheadline": true, "subline": true, "dek": true, "deck": true,
	"vorspann": true, "einleitung": true, "anriss": true,
}

// leadClass reports whether a class attribute names a lead paragraph.
func leadClass(class string) bool {
	for _, part := range strings.FieldsFunc(class, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }) {
		// Split camelCase too: "IntroText" is "Intro" and "Text".
		start := 0
		for i, r := range part {
			if i > 0 && unicode.IsUpper(r) {
				if leadWords[strings.ToLower(part[start:i])] {
					return true
				}
				start = i
			}
		}
		if leadWords[strings.ToLower(part[start:])] {
			return true
		}
	}
	return false
}

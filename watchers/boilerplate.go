package watchers

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// dropBoilerplate removes the extracted paragraphs that are not the
// article's: teasers of other articles and the headers over them, captions
// and credits, newsletter and subscription calls, comment rules, ad
// disclosures, share prompts, date and category lines. The extractor keeps
// them when they stand inside the article's container or look like text;
// what gives them away is their shape and, in the page, the box they stood
// in and how much of them was link text.
func dropBoilerplate(ps []para, page *url.URL) []para {
	var keep []para
	for i, why := range boilerplateReasons(ps, page) {
		if why == "" {
			keep = append(keep, ps[i])
		}
	}
	return keep
}

// boilerplateReasons says for each paragraph why it is not the article's,
// or "" when it is.
func boilerplateReasons(ps []para, page *url.URL) []string {
	out := make([]string, len(ps))
	inRelated := false
	for i := range ps {
		p := &ps[i]
		why := paraReason(p, page)
		if why == "" && i >= len(ps)-3 && authorBio(p) {
			why = "author bio"
		}
		switch {
		case why == "related header":
			inRelated = true
		case why == "" && inRelated && headlineLike(p):
			// A related-links header and the headlines under it are one box.
			why = "under a related header"
		default:
			inRelated = false
		}
		out[i] = why
	}
	return out
}

// paraReason says why one paragraph, on its own, is not the article's.
func paraReason(p *para, page *url.URL) string {
	if p.runes <= 300 {
		if why := shapeReason(p.text, p.runes); why != "" {
			return why
		}
	}
	if w := badBox(p.box); w != "" {
		return "in a box: " + w
	}
	if p.link >= 0.5 && p.runes <= 150 && (teaserMark.MatchString(p.text) || datedEnd.MatchString(p.text)) {
		return "teaser link"
	}
	if p.link >= 0.95 && p.runes <= 120 && !strings.ContainsAny(lastRune(p.text), ".!?:") && otherArticle(p.a, page) {
		return "link to another article"
	}
	return ""
}

// otherArticle reports whether link a leads to another article of the
// same site: a headline that is all link, to there, is a teaser.
func otherArticle(a *html.Node, page *url.URL) bool {
	if a == nil || page == nil {
		return false
	}
	var href string
	for _, at := range a.Attr {
		if at.Key == "href" {
			href = at.Val
		}
	}
	u, err := page.Parse(strings.TrimSpace(href))
	if err != nil || u.Path == page.Path || !strings.EqualFold(strings.TrimPrefix(u.Hostname(), "www."), strings.TrimPrefix(page.Hostname(), "www.")) {
		return false
	}
	// An article's address names it: a slug of words, or a number.
	last := u.Path[strings.LastIndexByte(u.Path, '/')+1:]
	digits := 0
	for _, r := range u.Path {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return strings.Count(last, "-") >= 2 || digits >= 4
}

func lastRune(s string) string {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:]
}

var (
	// bioAbout: "Der Autor ist …", "About the author".
	bioAbout = regexp.MustCompile(`^(?i:(der|die) autor(in)? |über (den|die) autor|the author |about the author)`)
	// bioName: "Candice Sealey is …", "Jana Berg schreibt …".
	bioName = regexp.MustCompile(`^(\p{Lu}[\pL'’.-]+ ){1,3}(ist|is|war|was|schreibt|writes|arbeitet|works|lebt|lives)\b`)
	// bioWork: what a bio says its author does.
	bioWork = regexp.MustCompile(`(?i)redakteur|journalist|autor|author|gründer|founder|writer|editor|korrespondent|correspondent|reporter|consultant|berater|professor|blogger|fotograf|photographer|studierte|studied`)
)

// authorBio reports whether p, one of the last paragraphs, is its
// author's bio: "Der Autor ist Professor …", or a name and what the person
// does, set in italics or small print.
func authorBio(p *para) bool {
	if p.runes > 600 {
		return false
	}
	if bioAbout.MatchString(p.text) {
		return true
	}
	return bioName.MatchString(p.text) && bioWork.MatchString(p.text) &&
		(slices.Contains(p.box, "em") || slices.Contains(p.box, "i") || slices.Contains(p.box, "small"))
}

// headlineLike is a teaser's headline: short, most of it a link, or
// ending in a date or an ellipsis.
func headlineLike(p *para) bool {
	if p.runes > 150 {
		return false
	}
	return p.link >= 0.5 || datedEnd.MatchString(p.text) || strings.HasSuffix(p.text, "…") || strings.HasSuffix(p.text, "...")
}

// badWords name, in tag names and in class and id words, the boxes around
// an article that are not the article: related links, captions and
// credits, author boxes, comments, newsletter and share boxes, ads and
// disclosures, navigation.
var badWords = map[string]bool{
	"aside": true, "nav": true, "footer": true, "figcaption": true, "form": true, "button": true,
	"caption": true, "credit": true, "credits": true, "copyright": true,
	"related": true, "recommended": true, "recommendations": true, "newsletter": true, "subscribe": true, "subscription": true,
	"share": true, "sharing": true, "social": true, "author": true, "byline": true,
	"comment": true, "comments": true, "kommentar": true, "kommentare": true,
	"promo": true, "disclaimer": true, "disclosure": true, "affiliate": true, "rating": true,
	"breadcrumb": true, "breadcrumbs": true, "pagination": true, "sidebar": true, "cta": true,
	"embedded": true, "cookie": true, "consent": true,
	"slider": true, "carousel": true, "citation": true, "appendix": true, "feeds": true, "contact": true,
}

func badBox(words []string) string {
	for _, w := range words {
		if badWords[w] {
			return w
		}
	}
	return ""
}

var (
	// teaserMark: a link announced as another article.
	teaserMark = regexp.MustCompile(`^(>>|»|→|►)|(<<|«)$|…$|\.\.\.$`)
	// datedEnd: a teaser headline that ends in its date.
	datedEnd = regexp.MustCompile(`[,|–-]\s*\d{1,2}\.\s?\d{1,2}\.\s?(\d{2}|\d{4})$`)
)

// boxWords are an element's tag name and the words of its class and id:
// "TestReport__AuthorBox" gives "test", "report", "author", "box".
func boxWords(n *html.Node) []string {
	out := []string{n.Data}
	for _, a := range n.Attr {
		if a.Key != "class" && a.Key != "id" {
			continue
		}
		for _, name := range strings.Fields(a.Val) {
			// WordPress names an article's categories and tags in its
			// classes: "tag-newsletter" says nothing about the box.
			if strings.HasPrefix(name, "tag-") || strings.HasPrefix(name, "category-") {
				continue
			}
			words := appendWords(nil, name)
			// An id made of a heading's words ("nav_nur_die_folie__1")
			// is an anchor, not a name for the box.
			if a.Key == "id" && len(words) > 3 {
				continue
			}
			out = append(out, words...)
		}
	}
	return out
}

func appendWords(out []string, name string) []string {
	start := -1
	var prev rune
	for i, r := range name {
		letter := unicode.IsLetter(r)
		if start >= 0 && (!letter || unicode.IsUpper(r) && unicode.IsLower(prev)) {
			out = append(out, strings.ToLower(name[start:i]))
			start = -1
		}
		if letter && start < 0 {
			start = i
		}
		prev = r
	}
	if start >= 0 {
		out = append(out, strings.ToLower(name[start:]))
	}
	return out
}

package watchers

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	trafilatura "github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/text/unicode/norm"

	"github.com/newsbot/newsbot/news"
)

// ErrNoText is returned when a page has no main text to extract.
var ErrNoText = errors.New("no main text found")

// ErrNotArticle is returned for a page that is not an article at all: a
// newsletter form, a topic index, a contact page.
var ErrNotArticle = errors.New("not an article page")

// Extract finds the main text of an article page: its headline, its teaser
// (standfirst) and its body paragraphs, without navigation, sidebars,
// teasers of other articles, newsletter boxes, comments or footers. page is
// the page's URL, for resolving its canonical link; body must be UTF-8.
//
// The main text comes from go-trafilatura (with its readability and
// DOM-distiller fallbacks); the teaser from the lead the page shows, else
// its meta description; the headline, language and date from the page's
// metadata.
func Extract(body []byte, page string) (*news.Article, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse html: %w", err)
	}
	meta := readMeta(goquery.NewDocumentFromNode(doc), page)

	pageURL, _ := url.Parse(page)
	res, err := mainContent(doc, pageURL)
	if err != nil {
		return nil, fmt.Errorf("extract %s: %w", page, err)
	}

	a := &news.Article{
		URL:       meta.canonical,
		Title:     cmp.Or(meta.title, clean(res.Metadata.Title)),
		Lang:      cmp.Or(meta.lang, res.Metadata.Language),
		Published: meta.published,
	}
	if a.Published.IsZero() {
		a.Published = res.Metadata.Date
	}
	if a.URL == "" {
		a.URL = Canonical(page, "")
	}
	raw := paragraphs(res.ContentNode)
	kept := dropBoilerplate(placeParagraphs(doc, raw), pageURL)
	paras := make([]string, len(kept))
	for i, p := range kept {
		paras[i] = p.text
	}
	// The extractor may keep the headline as the first paragraph.
	if len(paras) > 0 && a.Title != "" && (paras[0] == a.Title || strings.HasSuffix(a.Title, paras[0])) {
		paras = paras[1:]
	}
	if len(paras) > 0 && a.Title == "" {
		a.Title, paras = paras[0], paras[1:]
	}
	// The lead the page shows, where it has one, over its meta description.
	desc := cmp.Or(pageLead(doc, kept), meta.description, clean(res.Metadata.Description))
	switch {
	case len(paras) > 0 && sameStart(paras[0], desc):
		a.Teaser, paras = paras[0], paras[1:]
	case desc != "" && !containsStart(paras, desc) && !excerptOf(desc, paras):
		a.Teaser = desc
	}
	a.Body = paras
	if a.Teaser == "" && len(a.Body) == 0 {
		if len(raw) > 0 {
			return nil, fmt.Errorf("extract %s: %w: nothing but boilerplate", page, ErrNotArticle)
		}
		return nil, fmt.Errorf("extract %s: %w", page, ErrNoText)
	}
	if why := notArticle(a, res.ContentNode); why != "" {
		return nil, fmt.Errorf("extract %s: %w: %s", page, ErrNotArticle, why)
	}
	a.Lang = textLang(a.Lang, a.Text())
	return a, nil
}

// mainContent is what go-trafilatura finds to be the page's main content.
func mainContent(doc *html.Node, page *url.URL) (*trafilatura.ExtractResult, error) {
	res, err := trafilatura.ExtractDocument(doc, trafilatura.Options{
		OriginalURL:     page,
		EnableFallback:  true,
		ExcludeComments: true,
		HtmlDateMode:    trafilatura.Fast,
		PruneSelector:   pruneSelector,
	})
	if err == nil && (res == nil || res.ContentNode == nil) {
		err = ErrNoText
	}
	return res, err
}

// notArticle says why extracted text is not an article's, or "". Pages
// that are not articles (a newsletter form, a topic index, a contact page)
// give the extractor little but menus and headlines: text without a single
// sentence, or mostly link text.
func notArticle(a *news.Article, content *html.Node) string {
	sentence := false
	for _, p := range append([]string{a.Teaser}, a.Body...) {
		// Runes, not words: Chinese and Japanese put no spaces between them.
		if utf8.RuneCountInString(p) >= 30 && strings.ContainsAny(p, ".!?…。！？") {
			sentence = true
			break
		}
	}
	if !sentence {
		return "no sentence in it"
	}
	var all, linked int
	var walk func(n *html.Node, inLink bool)
	walk = func(n *html.Node, inLink bool) {
		if n.Type == html.TextNode {
			k := len(strings.TrimSpace(n.Data))
			all += k
			if inLink {
				linked += k
			}
		}
		inLink = inLink || n.Type == html.ElementNode && n.Data == "a"
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLink)
		}
	}
	walk(content, false)
	if all > 0 && linked*2 > all {
		return "mostly links"
	}
	return ""
}

// pruneSelector removes reader comments before extraction: the extractor
// does not always recognise them, and a reader's "Syrien" is not the
// article's. (Pruning newsletter or related boxes, or asides, by selector
// was measured too: it costs more article text than it saves.)
const pruneSelector = `#comments, .comments, section.comments, [id^="comments"], [class^="comments"], [class*=" comments"], ` +
	`#kommentare, .kommentare, [id^="kommentare"], [class^="kommentare"], #disqus_thread`

type pageMeta struct {
	title, description, lang, canonical string
	published                           time.Time
}

// publishedMeta are where pages state their publication time, best first.
var publishedMeta = []struct{ sel, attr string }{
	{`meta[property="article:published_time"]`, "content"},
	{`meta[name="article:published_time"]`, "content"},
	{`meta[itemprop="datePublished"]`, "content"},
	{`meta[name="date"]`, "content"},
	{`meta[name="pubdate"]`, "content"},
	{`meta[name="dc.date"]`, "content"},
	{`article time[datetime]`, "datetime"},
}

func readMeta(doc *goquery.Document, page string) pageMeta {
	attr := func(sel, name string) string {
		v, _ := doc.Find(sel).First().Attr(name)
		return clean(v)
	}
	m := pageMeta{
		title:       articleTitle(doc, page, attr),
		description: cmp.Or(attr(`meta[property="og:description"]`, "content"), attr(`meta[name="description"]`, "content")),
		lang:        langCode(attr("html", "lang")),
	}
	for _, p := range publishedMeta {
		if t, err := parseTime(attr(p.sel, p.attr)); err == nil {
			m.published = t
			break
		}
	}
	if m.lang == "" {
		m.lang = langCode(attr(`meta[http-equiv="content-language" i]`, "content"))
	}
	if c := attr(`link[rel="canonical"]`, "href"); c != "" && page != "" {
		// Honour rel=canonical only on the same site, so a page cannot claim
		// to be another site's article.
		// Nor to be the site's front page, which some sites put on every page.
		if cu := Canonical(c, page); sameHost(cu, page) && !frontPage(cu, page) {
			m.canonical = cu
		}
	}
	return m
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown time format %q", s)
}

// frontPage reports whether u is a site's front page while page is not.
func frontPage(u, page string) bool {
	pu, err1 := url.Parse(u)
	pp, err2 := url.Parse(page)
	return err1 == nil && err2 == nil && (pu.Path == "/" || pu.Path == "") && pp.Path != "/" && pp.Path != ""
}

func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && strings.EqualFold(ua.Hostname(), ub.Hostname())
}

// langCode turns "de-DE" or "en_US" into "de" or "en".
func langCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_,; "); i >= 0 {
		s = s[:i]
	}
	if len(s) != 2 || s[0] < 'a' || s[0] > 'z' || s[1] < 'a' || s[1] > 'z' {
		return ""
	}
	return s
}

var blockTags = map[string]bool{
	"p": true, "div": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"li": true, "ul": true, "ol": true, "blockquote": true, "pre": true, "table": true, "tr": true,
	"td": true, "th": true, "dd": true, "dt": true, "dl": true, "section": true, "article": true,
	"figure": true, "figcaption": true, "br": true, "hr": true, "body": true, "head": true,
	"quote": true, "list": true, "item": true, "cell": true, "row": true,
}

// paragraphs flattens extracted HTML into one string per block.
func paragraphs(n *html.Node) []string { return paragraphsBut(n, nil) }

// paragraphsBut flattens HTML into one string per block, leaving out the
// elements skip says to.
func paragraphsBut(n *html.Node, skip func(*html.Node) bool) []string {
	var out []string
	var cur strings.Builder
	// go-trafilatura trims the white space around the inline elements of
	// list items ("in your <code>Dockerfile</code>to ensure"): there, the
	// edge of an inline element stands for a space.
	inItem, edge := 0, false
	flush := func() {
		if s := clean(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
		edge = false
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			if edge && inItem > 0 && cur.Len() > 0 && n.Data != "" {
				prev, _ := utf8.DecodeLastRuneInString(cur.String())
				next, _ := utf8.DecodeRuneInString(n.Data)
				if !unicode.IsSpace(prev) && !unicode.IsSpace(next) &&
					!strings.ContainsRune(".,;:!?)]}”’»…%", next) && !strings.ContainsRune("([{“‘„«/", prev) {
					cur.WriteByte(' ')
				}
			}
			edge = false
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			if n.Data == "script" || n.Data == "style" || skip != nil && skip(n) {
				return
			}
		}
		block := n.Type == html.ElementNode && blockTags[n.Data]
		inline := n.Type == html.ElementNode && !block
		item := n.Type == html.ElementNode && (n.Data == "li" || n.Data == "item")
		if block {
			flush()
		}
		if inline {
			edge = true
		}
		if item {
			inItem++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if item {
			inItem--
		}
		if inline {
			edge = true
		}
		if block {
			flush()
		}
	}
	walk(n)
	flush()
	return out
}

// clean collapses white space and puts text in Unicode NFC, so that
// composed and decomposed umlauts read the same to the matcher.
func clean(s string) string {
	return norm.NFC.String(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " "))
}

// sameStart reports whether two texts begin alike: a teaser and its
// meta description are often the same words, one cut shorter.
func sameStart(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	a, b = trimEllipsis(a), trimEllipsis(b)
	n := min(len(a), len(b), 80)
	return n >= 20 && a[:n] == b[:n]
}

func trimEllipsis(s string) string {
	return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".…"))
}

// excerptOf reports whether most word trigrams of desc occur in paras: the
// description is then an excerpt of the body (often with other punctuation,
// or run across paragraphs), not a standfirst of its own.
func excerptOf(desc string, paras []string) bool {
	dw := lowerWords(desc)
	if len(dw) < 3 {
		return false
	}
	bw := lowerWords(strings.Join(paras, "\n"))
	seen := make(map[[3]string]bool, len(bw))
	for i := 0; i+3 <= len(bw); i++ {
		seen[[3]string(bw[i:i+3])] = true
	}
	n := 0
	for i := 0; i+3 <= len(dw); i++ {
		if seen[[3]string(dw[i:i+3])] {
			n++
		}
	}
	return 2*n >= len(dw)-2
}

func lowerWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}

func containsStart(paras []string, desc string) bool {
	d := trimEllipsis(desc)
	if len(d) > 80 {
		d = d[:80]
	}
	for _, p := range paras {
		if strings.Contains(p, d) {
			return true
		}
	}
	return false
}

package watchers

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"github.com/newsbot/newsbot/news"
)

// feedParser is gofeed's, without its search of every item's HTML for a
// first image (newsbot shows none): a full HTML parse per item, most of
// the work of reading a feed.
func feedParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	return p
}

// IsFeed reports whether body is an RSS, Atom, RDF or JSON feed.
func IsFeed(body []byte) bool {
	return gofeed.DetectFeedType(bytes.NewReader(body)) != gofeed.FeedTypeUnknown
}

// ErrNotFeed is returned for a body that no feed parser can read.
var ErrNotFeed = errors.New("not an RSS, Atom or JSON feed")

// BrokenFeedError is a feed that is not well-formed (truncated, or with a
// stray character): parseFeed returns the items before the break with it.
type BrokenFeedError struct {
	URL string
	Err error
}

func (e *BrokenFeedError) Error() string { return fmt.Sprintf("parse feed %s: %v", e.URL, e.Err) }
func (e *BrokenFeedError) Unwrap() error { return e.Err }

// parseFeedBody reads a feed's body, already UTF-8, fetched from url.
func parseFeedBody(body []byte, url, source string) ([]news.Item, error) {
	feed, err := feedParser().Parse(bytes.NewReader(body))
	var broken error
	if err != nil && !errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		// A feed cut short, or broken by a stray character: read what
		// comes before the break.
		if fixed, ok := repairFeed(body, err); ok {
			if f, ferr := feedParser().Parse(bytes.NewReader(fixed)); ferr == nil {
				feed, broken, err = f, err, nil
			}
		}
	}
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("parse %s: %w", url, ErrNotFeed)
		}
		return nil, &BrokenFeedError{URL: url, Err: err}
	}
	items := feedItems(feed, body, url, source)
	if broken != nil {
		return items, &BrokenFeedError{URL: url, Err: broken}
	}
	return items, nil
}

// xmlErrorLine finds the line of an XML syntax error.
var xmlErrorLine = regexp.MustCompile(`line (\d+)`)

// repairFeed cuts a broken feed after the last item that ends before the
// break, and closes what is open, so that those items can be read.
func repairFeed(body []byte, err error) ([]byte, bool) {
	cut := len(body)
	if m := xmlErrorLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		off := 0
		for i := 1; i < line && off < len(body); i++ {
			nl := bytes.IndexByte(body[off:], '\n')
			if nl < 0 {
				off = len(body)
				break
			}
			off += nl + 1
		}
		// The break is somewhere on that line: keep the items that end
		// before it, on earlier lines or earlier on the line.
		end := bytes.IndexByte(body[off:], '\n')
		if end < 0 {
			cut = len(body)
		} else {
			cut = off + end
		}
	}
	prefix := body[:cut]
	end := -1
	if i := bytes.LastIndex(prefix, []byte("</item>")); i >= 0 {
		end = i + len("</item>")
	}
	if i := bytes.LastIndex(prefix, []byte("</entry>")); i >= 0 {
		end = max(end, i+len("</entry>"))
	}
	if end < 0 {
		return nil, false
	}
	closing := "</channel></rss>"
	switch {
	case bytes.Contains(prefix, []byte("<feed")):
		closing = "</feed>"
	case bytes.Contains(prefix, []byte("<rdf:RDF")):
		closing = "</rdf:RDF>"
	}
	out := append(append([]byte{}, body[:end]...), closing...)
	return out, true
}

// feedTitle is a feed item's title as text. Titles are plain text, where
// "<" is a character, except where an Atom feed says type="html" (which
// gofeed does not pass on): a title with a closing tag is taken as HTML.
func feedTitle(s string) string {
	if strings.Contains(s, "</") {
		return htmlText(s)
	}
	return clean(s)
}

// htmlText is the text of an HTML fragment, such as a feed's description.
func htmlText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return clean(s)
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return clean(s)
	}
	// Paragraphs, line breaks and list items part words.
	return strings.Join(paragraphs(doc), " ")
}

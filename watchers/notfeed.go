package watchers

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"strings"
)

// NotFeedError is a source's document that is neither a feed nor a page
// of HTML: an empty document, a format no reader reads any more (CDF), a
// feed in an encoding that could not be read. It is the source's error,
// with its reason, not a page whose "article" is the document itself.
type NotFeedError struct {
	URL    string
	Reason string
}

func (e *NotFeedError) Error() string { return fmt.Sprintf("%s: not a feed: %s", e.URL, e.Reason) }

// Is makes a NotFeedError an ErrNotFeed.
func (e *NotFeedError) Is(target error) bool { return target == ErrNotFeed }

// NotFeedNorPage says why a document is neither a feed nor a page of
// HTML, or "" when it is one of them.
func NotFeedNorPage(body []byte, contentType string) string {
	if IsFeed(feedUTF8(body, contentType)) {
		return ""
	}
	return notFeed(body, contentType)
}

// IsFeedDocument reports whether a fetched document is a feed, in
// whatever encoding it comes.
func IsFeedDocument(body []byte, contentType string) bool {
	return IsFeed(feedUTF8(body, contentType))
}

// notFeed says why a document that no feed parser reads is not a page
// either, or "" when it is a page (HTML, as its type or its first tag
// says).
func notFeed(body []byte, contentType string) string {
	mediaType, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}))
	if len(trimmed) == 0 {
		return "the document is empty"
	}
	if wideEncoding(body) != nil && !IsFeed(feedUTF8(body, contentType)) {
		return "a document in UTF-16 or UTF-32 that reads as no feed"
	}
	root := rootElement(trimmed)
	switch {
	case root == "html" || mediaType == "text/html" || mediaType == "application/xhtml+xml":
		return "" // a page
	case root == "":
		if looksLikeHTMLPage(trimmed) {
			return ""
		}
		if trimmed[0] == '{' || trimmed[0] == '[' {
			return "JSON that is no JSON Feed (it needs \"version\" and \"items\")"
		}
		if trimmed[0] == '<' {
			return "the document is empty (nothing but comments and declarations)"
		}
		return fmt.Sprintf("a document of type %s", cmp.Or(mediaType, "unknown"))
	case strings.EqualFold(root, "channel"):
		return "a CDF document (Channel Definition Format), which no reader reads any more; ask the publisher for RSS or Atom"
	}
	return fmt.Sprintf("an XML document whose root is <%s>, not <rss>, <feed> or <rdf:RDF>", root)
}

// rootElement is the name of a document's first element, read as XML;
// "" when it has none, or is no XML.
func rootElement(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "" // the end, or no XML
		}
		if t, ok := tok.(xml.StartElement); ok {
			if t.Name.Space != "" {
				return t.Name.Space + ":" + t.Name.Local
			}
			return strings.ToLower(t.Name.Local)
		}
	}
}

// looksLikeHTMLPage reports whether the start of a document is an HTML
// page's (a doctype or a tag of a page's head or body).
func looksLikeHTMLPage(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 1024)]))
	for _, s := range []string{"<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<div", "<p>"} {
		if strings.Contains(head, s) {
			return true
		}
	}
	return false
}

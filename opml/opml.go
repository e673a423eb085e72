// Package opml reads the OPML files feed readers export (Feedly,
// Inoreader, FreshRSS, Miniflux, NetNewsWire, Liferea, …) and writes
// OPML 2.0: the subscriptions, in folders.
package opml

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Feed is one subscription of an OPML file.
type Feed struct {
	// Title is the outline's title, else its text.
	Title string
	// URL is the feed's address (xmlUrl); Site, the site's (htmlUrl).
	URL, Site string
	// Folder is the path of the folders it is in, joined by "/" ("" at
	// the top).
	Folder string
	// Name, Type and Links are what an export of newsbot's said of the
	// source (newsbot:name, newsbot:type, newsbot:links): its name in the
	// config, its type (feed, page, sitemap) and its links' selector.
	Name, Type, Links string
	// NoRobots and MaxItems are newsbot's robots: false and max_items
	// (newsbot:robots, newsbot:max_items).
	NoRobots bool
	MaxItems int
	// Line is where the outline stands in the file.
	Line int
}

// Skipped is an outline that is not read as a feed, and why.
type Skipped struct {
	Line  int
	Title string
	Why   string
}

// File is an OPML file, read.
type File struct {
	Title   string
	Feeds   []Feed
	Skipped []Skipped
}

// Parse reads an OPML file (1.0 or 2.0, in any charset its declaration
// names). Outlines with an xmlUrl are feeds; outlines holding outlines
// are folders; the rest (no address, an address that is not http(s), a
// feed listed before) are skipped, each with its line and why.
func Parse(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = asUTF8(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.Entity = xml.HTMLEntity // &nbsp;, &eacute; as some readers write them
	d.CharsetReader = charset.NewReaderLabel
	f := &File{}
	var stack []*outline       // the outlines open
	seen := map[string]int{}   // a feed's address → the line it was first at
	seenAt := map[string]int{} // … and its index in Feeds
	inBody, inTitle, sawOPML := false, false, false
	for {
		line, _ := d.InputPos()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !sawOPML {
				return nil, fmt.Errorf("not an OPML file: %w", err)
			}
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return f, fmt.Errorf("line %d: %s (the outlines before it are read)", se.Line, se.Msg)
			}
			return f, fmt.Errorf("line %d: %w (the outlines before it are read)", line, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch name := strings.ToLower(t.Name.Local); {
			case name == "opml":
				sawOPML = true
			case !sawOPML:
				return nil, fmt.Errorf("not an OPML file: its root is <%s>, not <opml>", t.Name.Local)
			case name == "title" && !inBody:
				inTitle = true
			case name == "body":
				inBody = true
			case name == "outline" && inBody:
				if len(stack) > 0 {
					stack[len(stack)-1].kids++
				}
				a := attrs(t.Attr)
				title := strings.TrimSpace(cmp.Or(a["title"], a["text"]))
				o := &outline{title: title, line: line}
				stack = append(stack, o)
				feedURL := strings.TrimSpace(a["xmlurl"])
				switch typ := strings.ToLower(a["type"]); {
				case a["newsbot:type"] != "":
					// newsbot's own export: a page or a sitemap, whatever
					// type it says for readers.
				case feedURL == "" && (typ == "" || typ == "rss" || typ == "atom"):
					feedURL = strings.TrimSpace(a["url"]) // as some readers write it
				case feedURL == "" && a["url"] != "":
					o.isFeed = true // told here: not a folder
					f.Skipped = append(f.Skipped, Skipped{Line: line, Title: title, Why: fmt.Sprintf("an outline of type %q (%s), not a feed", typ, a["url"])})
					continue
				}
				if feedURL == "" {
					continue // a folder, or nothing: told at its end
				}
				o.isFeed = true
				u, why := feedAddress(feedURL)
				switch {
				case len(stack) > maxDepth:
					f.Skipped = append(f.Skipped, Skipped{Line: line, Title: title, Why: fmt.Sprintf("in folders more than %d deep", maxDepth-1)})
				case why != "":
					f.Skipped = append(f.Skipped, Skipped{Line: line, Title: title, Why: why})
				case seen[u] != 0:
					why := fmt.Sprintf("the same feed as line %d", seen[u])
					if first := f.Feeds[seenAt[u]]; first.Folder != folderPath(stack[:len(stack)-1]) {
						why += fmt.Sprintf(", kept in folder %q (a source is in one folder)", first.Folder)
					}
					f.Skipped = append(f.Skipped, Skipped{Line: line, Title: title, Why: why})
				default:
					seen[u], seenAt[u] = line, len(f.Feeds)
					f.Feeds = append(f.Feeds, Feed{Title: title, URL: u, Site: strings.TrimSpace(a["htmlurl"]), Folder: folderPath(stack[:len(stack)-1]),
						Name: a["newsbot:name"], Type: a["newsbot:type"], Links: a["newsbot:links"], Line: line,
						NoRobots: a["newsbot:robots"] == "false", MaxItems: atoi(a["newsbot:max_items"])})
				}
			}
		case xml.CharData:
			if inTitle {
				f.Title += string(t)
			}
		case xml.EndElement:
			switch strings.ToLower(t.Name.Local) {
			case "title":
				inTitle = false
			case "body":
				inBody = false
			case "outline":
				if len(stack) == 0 {
					continue
				}
				o := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if !o.isFeed && o.kids == 0 {
					f.Skipped = append(f.Skipped, Skipped{Line: o.line, Title: o.title, Why: "no feed address (xmlUrl) and no outlines in it"})
				}
			}
		}
	}
	if !sawOPML {
		return nil, fmt.Errorf("not an OPML file: no <opml> element")
	}
	f.Title = strings.TrimSpace(f.Title)
	return f, nil
}

// maxDepth is how deep outlines are read: a feed in more folders than
// that is passed over (a file made to exhaust memory nests thousands).
const maxDepth = 16

// outline is an <outline> open while its children are read.
type outline struct {
	title  string
	line   int
	isFeed bool
	kids   int
}

// folderPath is the path of the folders open, by their titles.
func folderPath(stack []*outline) string {
	var names []string
	for _, o := range stack {
		names = append(names, o.title)
	}
	return strings.Join(names, "/")
}

// attrs are an element's attributes by lower-case name (xmlUrl, xmlurl
// and XMLURL are all seen), the namespace's prefix kept for newsbot's
// own.
func attrs(as []xml.Attr) map[string]string {
	m := make(map[string]string, len(as))
	for _, a := range as {
		name := strings.ToLower(a.Name.Local)
		if a.Name.Space == Namespace || strings.EqualFold(a.Name.Space, "newsbot") {
			name = "newsbot:" + name
		}
		m[name] = a.Value
	}
	return m
}

// feedAddress is an outline's feed address as newsbot fetches it (feed://
// as http://), or why it is none.
func feedAddress(s string) (string, string) {
	if rest, ok := strings.CutPrefix(s, "feed:"); ok {
		s = rest
		if strings.HasPrefix(s, "//") {
			s = "http:" + s
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Sprintf("its address %q is not an http(s) URL", s)
	}
	return u.String(), ""
}

// xmlDecl finds an XML declaration's encoding.
var xmlDecl = regexp.MustCompile(`^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']`)

// asUTF8 is an OPML file as UTF-8 where its bytes say so better than its
// declaration could: UTF-16 with a byte order mark (its declaration made
// to say UTF-8), and bytes that are not UTF-8 in a file that names no
// charset, read as windows-1252 (what such exports are). A charset the
// declaration names is the decoder's to read.
func asUTF8(data []byte) []byte {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
		if err != nil {
			return data
		}
		if m := xmlDecl.FindSubmatchIndex(out); m != nil {
			out = append(append(slices.Clone(out[:m[2]]), "UTF-8"...), out[m[3]:]...)
		}
		return out
	}
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if utf8.Valid(data) || xmlDecl.Match(data[:min(len(data), 512)]) {
		return data
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return data
	}
	return out
}

func atoi(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

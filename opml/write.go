package opml

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"time"
)

// Namespace is newsbot's own, for what OPML has no word for (a source's
// type, a page's links), so that an export read back is the same config.
const Namespace = "https://github.com/newsbot/newsbot/opml"

// Write writes the feeds as OPML 2.0, in their folders ("a/b" nested),
// in the order given (a folder where its first feed is).
func Write(w io.Writer, title string, feeds []Feed, now time.Time) error {
	type node struct {
		XMLName  xml.Name   `xml:"outline"`
		Attrs    []xml.Attr `xml:",any,attr"`
		Children []*node
	}
	root := &node{}
	folders := map[string]*node{"": root}
	var folder func(path string) *node
	folder = func(path string) *node {
		if n, ok := folders[path]; ok {
			return n
		}
		parent, name := "", path
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			parent, name = path[:i], path[i+1:]
		}
		n := &node{Attrs: []xml.Attr{{Name: xml.Name{Local: "text"}, Value: name}, {Name: xml.Name{Local: "title"}, Value: name}}}
		p := folder(parent)
		p.Children = append(p.Children, n)
		folders[path] = n
		return n
	}
	for _, f := range feeds {
		typ := "rss"
		if f.Type == "page" || f.Type == "sitemap" {
			typ = "link" // no feed, for a reader; newsbot:type says what
		}
		attrs := []xml.Attr{
			{Name: xml.Name{Local: "type"}, Value: typ},
			{Name: xml.Name{Local: "text"}, Value: f.Title},
			{Name: xml.Name{Local: "title"}, Value: f.Title},
			{Name: xml.Name{Local: "xmlUrl"}, Value: f.URL},
		}
		if f.Site != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "htmlUrl"}, Value: f.Site})
		}
		if f.Name != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "newsbot:name"}, Value: f.Name})
		}
		if f.Type != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "newsbot:type"}, Value: f.Type})
		}
		if f.Links != "" {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "newsbot:links"}, Value: f.Links})
		}
		if f.NoRobots {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "newsbot:robots"}, Value: "false"})
		}
		if f.MaxItems > 0 {
			attrs = append(attrs, xml.Attr{Name: xml.Name{Local: "newsbot:max_items"}, Value: strconv.Itoa(f.MaxItems)})
		}
		p := folder(f.Folder)
		p.Children = append(p.Children, &node{Attrs: attrs})
	}
	doc := struct {
		XMLName xml.Name `xml:"opml"`
		Version string   `xml:"version,attr"`
		NS      string   `xml:"xmlns:newsbot,attr"`
		Head    struct {
			Title       string `xml:"title"`
			DateCreated string `xml:"dateCreated"`
		} `xml:"head"`
		Body struct {
			Outlines []*node `xml:"outline"`
		} `xml:"body"`
	}{Version: "2.0", NS: Namespace}
	doc.Head.Title = title
	doc.Head.DateCreated = now.UTC().Format(time.RFC1123Z)
	doc.Body.Outlines = root.Children
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

package watchers

import (
	"bufio"
	"bytes"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// FeedLinks are the feeds a page names in its head (<link
// rel="alternate"> of an RSS, Atom, RDF or JSON Feed type), and the
// links in its body that look like feeds (by their address or their
// text: "RSS", "Feed", "Atom"), each resolved against the page's address
// and given once.
func FeedLinks(body []byte, base string) (named, linked []string) {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return nil, nil
	}
	b, _ := url.Parse(base)
	resolve := func(href string) string {
		if b == nil {
			return ""
		}
		u, err := b.Parse(strings.TrimSpace(href))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return ""
		}
		u.Fragment = ""
		return u.String()
	}
	seen := map[string]bool{}
	doc.Find("link[href]").Each(func(_ int, s *goquery.Selection) {
		rel, _ := s.Attr("rel")
		typ, _ := s.Attr("type")
		mt, _, _ := mime.ParseMediaType(typ)
		if !strings.Contains(" "+strings.ToLower(rel)+" ", " alternate ") || !feedTypes[strings.ToLower(mt)] {
			return
		}
		href, _ := s.Attr("href")
		if u := resolve(href); u != "" && !seen[u] {
			seen[u] = true
			named = append(named, u)
		}
	})
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		u := resolve(href)
		if u == "" || seen[u] {
			return
		}
		text := strings.ToLower(strings.TrimSpace(s.Text()))
		title, _ := s.Attr("title")
		if feedPath.MatchString(u) || feedWords.MatchString(text+" "+strings.ToLower(title)) {
			seen[u] = true
			linked = append(linked, u)
		}
	})
	return named, linked
}

// feedTypes are the media types of feeds a page's <link> may name.
var feedTypes = map[string]bool{
	"application/rss+xml": true, "application/atom+xml": true, "application/rdf+xml": true,
	"application/feed+json": true, "text/xml": true, "application/xml": true, // each is fetched and looked at
}

var (
	// feedPath matches addresses that are usually feeds.
	feedPath = regexp.MustCompile(`(?i)(\.rss|\.atom|\.rdf|[/.]rss\d?(\.xml)?|[/.]atom(\.xml)?|/feeds?(/[^/?#]*)?/?|feed\.xml|index\.xml)([?#]|$)|[?&](format|type|output)=(rss|atom|feed)`)
	// feedWords matches a link's text that names a feed.
	feedWords = regexp.MustCompile(`(?i)(^|\W)(rss|atom|feed|newsfeed|rss-feed)(\W|$)`)
)

// WellKnownFeeds are the paths newsbot discover tries on a site whose
// pages name no feed and link none.
var WellKnownFeeds = []string{"/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feed/"}

// RobotsSitemaps are the sitemaps a robots.txt names (Sitemap: lines).
func RobotsSitemaps(robots []byte, base string) []string {
	b, _ := url.Parse(base)
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(robots))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "sitemap") || b == nil {
			continue
		}
		if u, err := b.Parse(strings.TrimSpace(v)); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			out = append(out, u.String())
		}
	}
	return out
}

// FeedInfo is what a feed holds, as newsbot discover says it.
type FeedInfo struct {
	Title, Lang string
	Items       int
	Newest      time.Time
	// Format is RSS, Atom, RDF or JSON Feed.
	Format string
	Hub    Hub
}

// DescribeFeed reads a fetched feed: its title, language, items, the
// newest item's date, and the WebSub hub it names.
func DescribeFeed(resp *Response) (FeedInfo, error) {
	body := feedUTF8(resp.Body, resp.ContentType)
	feed, err := feedParser().ParseString(string(body))
	if err != nil {
		return FeedInfo{}, err
	}
	info := FeedInfo{Title: clean(feed.Title), Lang: langCode(feed.Language), Items: len(feed.Items), Format: feedFormat(feed.FeedType, feed.FeedVersion)}
	for _, it := range feed.Items {
		if it.PublishedParsed != nil && it.PublishedParsed.After(info.Newest) {
			info.Newest = *it.PublishedParsed
		} else if it.UpdatedParsed != nil && it.UpdatedParsed.After(info.Newest) {
			info.Newest = *it.UpdatedParsed
		}
	}
	info.Hub = FindHub(resp.Body, map[string][]string{"Link": resp.Links}, resp.URL)
	return info, nil
}

func feedFormat(typ, version string) string {
	switch typ {
	case "rss":
		if strings.HasPrefix(version, "1.0") {
			return "RDF"
		}
		return "RSS"
	case "atom":
		return "Atom"
	case "json":
		return "JSON Feed"
	}
	return typ
}

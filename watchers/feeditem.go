package watchers

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// feedItems are a parsed feed's items as newsbot reads them: every item
// that says something (a headline, a text, a link) is an item of its own,
// with its texts as a reader sees them (feedText). body is the feed's
// document, for the types of its texts; url is where it came from.
func feedItems(feed *gofeed.Feed, body []byte, url, source string) []news.Item {
	var kinds []entryKinds
	if feed.FeedType == "atom" {
		if k := atomKinds(body); len(k) == len(feed.Items) {
			kinds = k
		}
	}
	lang := langCode(feed.Language)
	site := Canonical(feed.Link, url)
	items := make([]news.Item, 0, len(feed.Items))
	var enclosures []string // by item kept
	for i, it := range feed.Items {
		var k entryKinds
		if kinds != nil {
			k = kinds[i]
		}
		item := news.Item{
			GUID:     strings.TrimSpace(it.GUID),
			Title:    feedText(it.Title, k.title, k.base64["title"]),
			Lang:     lang,
			Source:   source,
			ListedBy: url,
		}
		item.Description = feedText(it.Description, k.summary, k.base64["summary"])
		if item.Description == "" {
			item.Description = feedText(it.Content, k.content, k.base64["content"])
		}
		if item.Title == "" {
			item.Title = feedText(extText(it, "media", "title"), kindUnknown, false)
		}
		if item.Description == "" {
			item.Description = feedText(cmp.Or(it.Custom["fullitem"], it.Custom["body"], extText(it, "xhtml", "body")), kindUnknown, false)
		}
		link := it.Link
		if link == "" && isHTTP(item.GUID) {
			link = item.GUID
		}
		if link != "" {
			item.URL = Canonical(link, url)
		}
		switch {
		case it.PublishedParsed != nil:
			item.Published = *it.PublishedParsed
		case it.UpdatedParsed != nil:
			item.Published = *it.UpdatedParsed
		}
		encl := enclosure(it, url)
		if item.Title == "" && item.Description == "" && item.URL == "" && encl == "" {
			continue // nothing a reader could be shown
		}
		items = append(items, item)
		enclosures = append(enclosures, encl)
	}
	ownLinks(items)
	for i := range items {
		it := &items[i]
		// Without a link of its own, an alert links what there is: the
		// item's enclosure (a podcast's episode), the page its feed's
		// items share, or the feed's site.
		if it.URL == "" {
			it.Via = cmp.Or(enclosures[i], it.Via, site)
		}
		if it.URL == "" && it.GUID == "" {
			// Neither link nor GUID: the item is known by what it says.
			it.GUID = textID(*it)
		}
		if it.Title == "" {
			it.Title = untitled(*it)
		}
	}
	return dedupe(items)
}

// ownLinks gives up the link of items that share it with another item of
// the feed under another GUID (a podcast whose items all link to the
// show's page): not the item's own page, it is only shown (Via), and the
// items are known by their GUIDs.
func ownLinks(items []news.Item) {
	guids := map[string]map[string]bool{}
	for _, it := range items {
		if it.URL != "" && it.GUID != "" {
			if guids[it.URL] == nil {
				guids[it.URL] = map[string]bool{}
			}
			guids[it.URL][it.GUID] = true
		}
	}
	for i := range items {
		if it := &items[i]; it.URL != "" && len(guids[it.URL]) > 1 {
			it.Via, it.URL = it.URL, ""
		}
	}
}

// dedupe drops an item that repeats an earlier one of the feed (the same
// key): a feed that lists an article twice.
func dedupe(items []news.Item) []news.Item {
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for _, it := range items {
		if k := it.Key(); !seen[k] {
			seen[k] = true
			out = append(out, it)
		}
	}
	return out
}

// textID identifies an item without link or GUID by what it says: its
// headline, date and text.
func textID(it news.Item) string {
	var date string
	if !it.Published.IsZero() {
		date = it.Published.UTC().Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(it.Title + "\n" + date + "\n" + it.Description))
	return "text:" + hex.EncodeToString(sum[:12])
}

// untitledMax is how long a headline made from an item's text may be.
const untitledMax = 100

// untitled is a headline for an item without one: its text's first
// sentence, cut at a word, or its link.
func untitled(it news.Item) string {
	if it.Description != "" {
		s := it.Description
		if i := sentenceEnd(s); i > 0 {
			s = s[:i]
		}
		if utf8.RuneCountInString(s) > untitledMax {
			s = textutil.Truncate(s, untitledMax)
		}
		return s
	}
	return cmp.Or(it.URL, it.Via)
}

// sentenceEnd is where the first sentence of s ends (after its full
// stop, question or exclamation mark before a space), or 0.
func sentenceEnd(s string) int {
	for i := 0; i < len(s)-1; i++ {
		switch s[i] {
		case '.', '?', '!':
			if s[i+1] == ' ' && i > 0 {
				return i + 1
			}
		}
	}
	return 0
}

// enclosure is the item's first enclosure with an http(s) URL (a
// podcast's episode), or "".
func enclosure(it *gofeed.Item, base string) string {
	for _, e := range it.Enclosures {
		if e != nil && e.URL != "" {
			if u := Canonical(e.URL, base); isHTTP(u) {
				return u
			}
		}
	}
	return ""
}

func isHTTP(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// extText is the text of an item's element of an extension namespace
// ("media", "title": <media:title>), with its children's: a headline or
// a text some feeds give only there.
func extText(it *gofeed.Item, ns, name string) string {
	var b strings.Builder
	var walk func(e ext.Extension)
	walk = func(e ext.Extension) {
		b.WriteString(e.Value)
		keys := make([]string, 0, len(e.Children))
		for k := range e.Children {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "script" || k == "style" {
				continue
			}
			for _, c := range e.Children[k] {
				b.WriteByte(' ')
				walk(c)
			}
		}
	}
	for _, e := range it.Extensions[ns][name] {
		walk(e)
	}
	return strings.TrimSpace(b.String())
}

package watchers

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/news"
)

// A news sitemap (Google's <news:news> extension of sitemaps.org's
// <urlset>) lists a publisher's articles of the last two days, each with
// its publication date, headline, keywords and language; a sitemap index
// lists sitemaps. Most German and English outlets have one, often named
// in their robots.txt. newsbot reads it as a source: each entry is an
// item whose article is fetched, extracted and matched as a feed item's.

// SitemapWindow is how old an entry may be and still be taken: a news
// sitemap's own span (two days). Older entries, and the sitemaps of an
// index last changed before it, are passed over.
const SitemapWindow = 48 * time.Hour

// maxSitemapChildren is how many sitemaps of an index are read, the most
// recently changed first: an index may list years of monthly archives.
const maxSitemapChildren = 20

// sitemapDoc is a <urlset> or a <sitemapindex>; elements are matched by
// their local names, whatever prefix a publisher gives the namespaces.
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapURL `xml:"url"`
	Sitemaps []sitemapRef `xml:"sitemap"`
}

type sitemapURL struct {
	Loc     string       `xml:"loc"`
	LastMod string       `xml:"lastmod"`
	News    *sitemapNews `xml:"news"`
}

type sitemapNews struct {
	Publication struct {
		Name     string `xml:"name"`
		Language string `xml:"language"`
	} `xml:"publication"`
	PublicationDate string `xml:"publication_date"`
	Title           string `xml:"title"`
	Keywords        string `xml:"keywords"`
}

type sitemapRef struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

// Sitemap is what a sitemap holds, read.
type Sitemap struct {
	// Index: a sitemap index, whose Sitemaps are the sitemaps it lists.
	Index    bool
	Sitemaps []SitemapRef
	// Entries are a <urlset>'s, in its order.
	Entries []SitemapEntry
}

// SitemapRef is a sitemap an index lists.
type SitemapRef struct {
	URL     string
	LastMod time.Time // zero when not given
}

// SitemapEntry is one <url> of a sitemap.
type SitemapEntry struct {
	URL string
	// Published is <news:publication_date>, else <lastmod>; zero when the
	// entry has neither.
	Published time.Time
	Title     string // <news:title>
	Keywords  string // <news:keywords>
	Lang      string // <news:language>
	// News: the entry has <news:news>.
	News bool
}

// IsSitemap reports whether a document is a sitemap or a sitemap index
// (gzipped or not).
func IsSitemap(body []byte) bool {
	if isGzip(body) {
		return true // only a sitemap is read gzipped; ParseSitemap says
	}
	switch rootLocal(body) {
	case "urlset", "sitemapindex":
		return true
	}
	return false
}

// ErrNotSitemap is returned for a document that is no sitemap.
var ErrNotSitemap = errors.New("not a sitemap")

// ParseSitemap reads a sitemap or a sitemap index, gzipped or not, of at
// most max bytes once decompressed (0: no limit).
func ParseSitemap(body []byte, contentType string, max int64) (*Sitemap, error) {
	if isGzip(body) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("gzipped sitemap: %w", err)
		}
		r := io.Reader(zr)
		if max > 0 {
			r = io.LimitReader(zr, max+1)
		}
		body, err = io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("gzipped sitemap: %w", err)
		}
		if max > 0 && int64(len(body)) > max {
			return nil, fmt.Errorf("gzipped sitemap: %w", ErrTooLarge)
		}
		contentType = ""
	}
	body = feedUTF8(body, contentType)
	var doc sitemapDoc
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // UTF-8 already
	if err := d.Decode(&doc); err != nil && len(doc.URLs) == 0 && len(doc.Sitemaps) == 0 {
		return nil, fmt.Errorf("%w: %v", ErrNotSitemap, err)
	}
	sm := &Sitemap{}
	switch doc.XMLName.Local {
	case "sitemapindex":
		sm.Index = true
		for _, s := range doc.Sitemaps {
			if loc := strings.TrimSpace(s.Loc); loc != "" {
				sm.Sitemaps = append(sm.Sitemaps, SitemapRef{URL: loc, LastMod: w3cTime(s.LastMod)})
			}
		}
	case "urlset":
		for _, u := range doc.URLs {
			loc := strings.TrimSpace(u.Loc)
			if loc == "" {
				continue
			}
			e := SitemapEntry{URL: loc, Published: w3cTime(u.LastMod)}
			if n := u.News; n != nil {
				e.News = true
				e.Title = clean(n.Title)
				e.Keywords = clean(n.Keywords)
				e.Lang = langCode(n.Publication.Language)
				if t := w3cTime(n.PublicationDate); !t.IsZero() {
					e.Published = t
				}
			}
			sm.Entries = append(sm.Entries, e)
		}
	default:
		return nil, fmt.Errorf("%w: its root is <%s>, not <urlset> or <sitemapindex>", ErrNotSitemap, doc.XMLName.Local)
	}
	return sm, nil
}

// Items are the sitemap's entries as a source's items, those of the
// window (SitemapWindow before now; an entry without a date is taken),
// the newest first.
func (sm *Sitemap) Items(source, listedBy string, now time.Time) []news.Item {
	var items []news.Item
	for _, e := range sm.Entries {
		if !e.Published.IsZero() && e.Published.Before(now.Add(-SitemapWindow)) {
			continue
		}
		it := news.Item{URL: Canonical(e.URL, ""), Title: e.Title, Published: e.Published, Lang: e.Lang, Source: source, ListedBy: listedBy, From: news.SourceSitemap}
		if e.Keywords != "" {
			// What the publisher says the article is about: the item's
			// text when its page cannot be had.
			it.Description = e.Keywords
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b news.Item) int { return b.Published.Compare(a.Published) })
	return items
}

// Recent are the sitemaps of an index to read: those changed within the
// window (or not saying when), the most recent first, at most
// maxSitemapChildren.
func (sm *Sitemap) Recent(now time.Time) []SitemapRef {
	var refs []SitemapRef
	for _, r := range sm.Sitemaps {
		if r.LastMod.IsZero() || !r.LastMod.Before(now.Add(-SitemapWindow)) {
			refs = append(refs, r)
		}
	}
	slices.SortStableFunc(refs, func(a, b SitemapRef) int {
		switch {
		case a.LastMod.IsZero() != b.LastMod.IsZero():
			if a.LastMod.IsZero() {
				return 1
			}
			return -1
		}
		return b.LastMod.Compare(a.LastMod)
	})
	return refs[:min(len(refs), maxSitemapChildren)]
}

// listSitemap lists a sitemap source: its entries, or, for an index, the
// entries of its recent sitemaps, each asked with a conditional request
// of its own. The index itself is read in full each time (its sitemaps
// change while it does not); a sitemap that has not changed gives no
// items, and when none has, the source has not changed (ErrNotModified).
func (r *Run) listSitemap(ctx context.Context, src Source, resp *Response, key string) ([]news.Item, error) {
	sm, err := ParseSitemap(resp.Body, resp.ContentType, r.f.MaxBody)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if !sm.Index {
		r.commit(src.Name, key, resp.Validators)
		return sm.Items(src.Name, resp.URL, now), nil
	}
	var items []news.Item
	changed, unchanged := 0, 0
	var firstErr error
	recent := sm.Recent(now)
	for _, ref := range recent {
		childKey := key + "\x00" + ref.URL
		req := Request{URL: ref.URL, ListedBy: resp.URL, Robots: !src.NoRobots}
		if r.f.Cache != nil && r.readers[src.Name] != "" {
			v, err := r.f.Cache.Validators(ctx, childKey)
			if err != nil {
				return nil, err
			}
			req.If = v
		}
		child, err := r.f.Do(ctx, req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			firstErr = cmp.Or(firstErr, fmt.Errorf("sitemap %s: %w", ref.URL, err))
			continue
		}
		if child.NotModified {
			unchanged++
			continue
		}
		csm, err := ParseSitemap(child.Body, child.ContentType, r.f.MaxBody)
		if err == nil && csm.Index {
			err = fmt.Errorf("%w: an index inside an index", ErrNotSitemap)
		}
		if err != nil {
			firstErr = cmp.Or(firstErr, fmt.Errorf("sitemap %s: %w", ref.URL, err))
			continue
		}
		changed++
		r.commit(src.Name, childKey, child.Validators)
		items = append(items, csm.Items(src.Name, child.URL, now)...)
	}
	if firstErr != nil && changed+unchanged > 0 {
		// What could be read is read; a sitemap that failed is asked in
		// full again next time. Only an index none of whose sitemaps
		// answered is the source's failure.
		r.f.Log.Warn("a sitemap of the index could not be read", "source", src.Name, "error", firstErr)
	}
	if changed < len(recent) {
		// Its items are those of the sitemaps that changed: what was held
		// back from it is not dropped (Partial).
		r.mu.Lock()
		if r.partial == nil {
			r.partial = map[string]bool{}
		}
		r.partial[src.Name] = true
		r.mu.Unlock()
	}
	switch {
	case changed > 0:
		slices.SortStableFunc(items, func(a, b news.Item) int { return b.Published.Compare(a.Published) })
		return items, nil
	case unchanged == 0 && firstErr != nil:
		return nil, firstErr
	}
	return nil, ErrNotModified
}

// isGzip reports whether a body is gzipped (a .xml.gz sitemap served as
// such, not decoded by a Content-Encoding).
func isGzip(body []byte) bool { return len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b }

// rootLocal is the local name of a document's first element, lower-case;
// "" when it has none.
func rootLocal(body []byte) string {
	root := rootElement(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}))
	if i := strings.LastIndexByte(root, ':'); i >= 0 {
		root = root[i+1:]
	}
	return strings.ToLower(root)
}

// w3cTime reads a sitemap's date (W3C Datetime: 2026-12-06,
// 2026-12-06T10:30Z, 2026-12-06T10:30:00+01:00, with fractions of a
// second); zero when it is none.
func w3cTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

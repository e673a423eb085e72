package app

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/watchers"
)

// SitemapSummary is what newsbot check says of a sitemap: what a source
// of type sitemap would take from it.
type SitemapSummary struct {
	// Index: a sitemap index; Sitemaps are the sitemaps it lists, those
	// a check reads first.
	Index    bool             `json:"index"`
	Sitemaps []SitemapListing `json:"sitemaps,omitempty"`
	// Entries counts a sitemap's <url>s, News those with <news:news>,
	// Recent those of the last two days (what a check takes).
	Entries int       `json:"entries"`
	News    int       `json:"news"`
	Recent  int       `json:"recent"`
	Newest  time.Time `json:"newest,omitzero"`
	Langs   []string  `json:"langs,omitempty"`
	// Latest are the newest entries, at most five.
	Latest []SitemapListing `json:"latest,omitempty"`
}

// SitemapListing is a sitemap an index lists, or an entry of a sitemap.
type SitemapListing struct {
	URL   string    `json:"url"`
	Title string    `json:"title,omitempty"`
	Date  time.Time `json:"date,omitzero"`
}

// summarizeSitemap says what a sitemap holds, read at now.
func summarizeSitemap(sm *watchers.Sitemap, now time.Time) *SitemapSummary {
	sum := &SitemapSummary{Index: sm.Index}
	if sm.Index {
		for _, r := range sm.Recent(now) {
			sum.Sitemaps = append(sum.Sitemaps, SitemapListing{URL: r.URL, Date: r.LastMod})
		}
		sum.Entries = len(sm.Sitemaps)
		return sum
	}
	sum.Entries = len(sm.Entries)
	for _, e := range sm.Entries {
		if e.News {
			sum.News++
		}
		if e.Lang != "" && !slices.Contains(sum.Langs, e.Lang) {
			sum.Langs = append(sum.Langs, e.Lang)
		}
		if e.Published.After(sum.Newest) {
			sum.Newest = e.Published
		}
	}
	items := sm.Items("", "", now)
	sum.Recent = len(items)
	for _, it := range items[:min(len(items), 5)] {
		sum.Latest = append(sum.Latest, SitemapListing{URL: it.URL, Title: it.Title, Date: it.Published})
	}
	return sum
}

// writeText writes the summary as newsbot check prints it.
func (sum *SitemapSummary) writeText(w io.Writer, url string) {
	date := func(t time.Time) string {
		if t.IsZero() {
			return "no date"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	if sum.Index {
		fmt.Fprintf(w, "%s is a sitemap index of %s; %d changed in the last two days (or not saying when), which a check reads:\n",
			url, textutil.Plural(int64(sum.Entries), "sitemap"), len(sum.Sitemaps))
		for _, s := range sum.Sitemaps {
			fmt.Fprintf(w, "  %s  (%s)\n", s.URL, date(s.Date))
		}
	} else {
		kind := "a sitemap"
		if sum.News > 0 {
			kind = "a news sitemap"
		}
		fmt.Fprintf(w, "%s is %s of %s (%d with <news:news>), %d of the last two days, which a check takes", url, kind,
			textutil.Plural(int64(sum.Entries), "entry"), sum.News, sum.Recent)
		if !sum.Newest.IsZero() {
			fmt.Fprintf(w, "; the newest %s", date(sum.Newest))
		}
		if len(sum.Langs) > 0 {
			fmt.Fprintf(w, "; language %s", strings.Join(sum.Langs, ", "))
		}
		fmt.Fprintln(w, ".")
		for _, e := range sum.Latest {
			fmt.Fprintf(w, "  %s  %s\n    %s\n", date(e.Date), e.Title, e.URL)
		}
	}
	fmt.Fprintf(w, "\nTo watch it, list it under sources with type: sitemap:\n  - {name: NAME, url: %q, type: sitemap}\n", url)
}

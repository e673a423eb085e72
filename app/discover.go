package app

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// newsbot discover: what a site offers for monitoring, from its address,
// fetched as every request is (the guard, robots.txt, http.max_body):
// the feeds its page names (<link rel="alternate">), else those it links
// (<a> to an address or with a text that says feed), else a few
// well-known paths; the news sitemaps its robots.txt names (an index
// followed to its sitemaps with <news:news> entries); the WebSub hub each
// feed names. Each is said with what it holds, and the lot printed as a
// sources: block.

// Found is one thing newsbot discover found: a feed or a news sitemap.
type Found struct {
	Kind   string    `json:"kind"` // feed, sitemap
	URL    string    `json:"url"`
	Title  string    `json:"title,omitempty"`
	Format string    `json:"format,omitempty"` // RSS, Atom, RDF, JSON Feed; news sitemap
	Items  int       `json:"items"`
	Newest time.Time `json:"newest,omitzero"`
	Lang   string    `json:"lang,omitempty"`
	Hub    string    `json:"hub,omitempty"` // the WebSub hub a feed names
	// How says how it was found: named by the page, linked from it, a
	// well-known path, named in robots.txt, the address itself.
	How string `json:"how"`
}

// Discovery is what newsbot discover found at one address.
type Discovery struct {
	Address string  `json:"address"`
	Found   []Found `json:"found"`
	// Nothing says why nothing was found, when nothing was.
	Nothing string `json:"nothing,omitempty"`
}

// maxCandidates caps the links of a page tried as feeds, and the
// sitemaps of a robots.txt or an index tried as news sitemaps.
const maxCandidates = 12

func discover(ctx context.Context, cfg *config.Config, targets []string, asJSON bool, stdout, stderr io.Writer) int {
	fcfg := cfg
	if fcfg == nil {
		fcfg = defaultConfig()
	}
	f := NewFetcher(fcfg)
	d := &discoverer{f: f, sitemapsOf: map[string][]Found{}, seen: map[string]bool{}}
	var all []Discovery
	for _, t := range targets {
		if !strings.Contains(t, "://") {
			t = "https://" + t // an outlet's address as people give it: faz.net
		}
		all = append(all, d.discover(ctx, t))
	}
	taken := namesOf(cfg)
	known := map[string]string{}
	if cfg != nil {
		for _, s := range cfg.Sources {
			known[s.URL] = s.Name
		}
	}
	var srcs []newSource
	found := 0
	proposed := map[string]bool{}
	for _, dis := range all {
		if dis.Nothing != "" {
			fmt.Fprintf(stderr, "newsbot discover: %s: nothing to watch: %s\n", dis.Address, dis.Nothing)
		}
		for _, fd := range dis.Found {
			if proposed[fd.URL] {
				continue // found at another address too
			}
			proposed[fd.URL] = true
			found++
			if name, ok := known[fd.URL]; ok {
				fmt.Fprintf(stderr, "newsbot discover: %s is in %s already, as %s\n", fd.URL, cfg.Path(), name)
				continue
			}
			s := newSource{Name: taken.name(sourceTitle(fd), fd.URL), URL: fd.URL, Notes: []string{describeFound(fd)}}
			if fd.Kind == "sitemap" {
				s.Type = string(news.SourceSitemap)
			}
			srcs = append(srcs, s)
		}
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Addresses []Discovery `json:"addresses"`
			Sources   []newSource `json:"sources"`
		}{all, srcs}); err != nil {
			return 1
		}
	} else if err := writeSources(stdout, []string{fmt.Sprintf("newsbot discover: %s found at %s.", textutil.Plural(int64(found), "source"), textutil.Plural(int64(len(targets)), "address"))}, srcs); err != nil {
		fmt.Fprintln(stderr, "newsbot discover:", err)
		return 1
	}
	if found == 0 {
		return 1
	}
	return 0
}

// discoverer finds, over several addresses, each site's sitemaps once.
type discoverer struct {
	f          *watchers.Fetcher
	sitemapsOf map[string][]Found // by site
	seen       map[string]bool    // sitemaps read
}

func (d *discoverer) discover(ctx context.Context, address string) Discovery {
	dis := Discovery{Address: address, Found: []Found{}}
	// An address's requests, however many its page and robots.txt name,
	// take a minute at most.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	resp, err := d.f.Do(ctx, watchers.Request{URL: address, Trusted: true, Robots: true})
	if err != nil {
		dis.Nothing = watchers.Reason(err)
		return dis
	}
	site := siteOf(resp.URL)
	switch {
	case watchers.IsSitemap(resp.Body):
		if fd, ok := d.newsSitemap(ctx, resp, "the address itself"); ok {
			dis.Found = append(dis.Found, fd...)
		} else {
			dis.Nothing = "a sitemap without <news:news> entries (newsbot reads news sitemaps: the articles of the last two days)"
		}
		return dis
	case watchers.IsFeedDocument(resp.Body, resp.ContentType):
		if fd, err := d.feed(resp, "the address itself"); err == nil {
			dis.Found = append(dis.Found, fd)
		} else {
			dis.Nothing = "a feed that could not be read: " + err.Error()
		}
		return dis
	}
	if why := watchers.NotFeedNorPage(resp.Body, resp.ContentType); why != "" {
		dis.Nothing = "not an HTML page nor a feed: " + why
		return dis
	}
	named, linked := watchers.FeedLinks(resp.Body, resp.URL)
	feeds := d.feeds(ctx, named, resp.URL, "named by the page")
	if len(feeds) == 0 {
		feeds = d.feeds(ctx, linked, resp.URL, "linked from the page")
	}
	if len(feeds) == 0 {
		var paths []string
		for _, p := range watchers.WellKnownFeeds {
			paths = append(paths, site+p)
		}
		feeds = d.feeds(ctx, paths, resp.URL, "a well-known address")
	}
	dis.Found = append(dis.Found, feeds...)
	sitemaps, ok := d.sitemapsOf[site]
	if !ok {
		sitemaps = d.siteSitemaps(ctx, site)
		d.sitemapsOf[site] = sitemaps
		dis.Found = append(dis.Found, sitemaps...)
	}
	switch {
	case len(dis.Found) > 0:
	case ok && len(sitemaps) > 0:
		dis.Nothing = "the page names no feed and links none, and no well-known feed address answers with one (its site's news sitemaps are listed with an address before)"
	default:
		dis.Nothing = "the page names no feed and links none, no well-known feed address answers with one, and robots.txt names no news sitemap"
	}
	return dis
}

// feeds are those of the addresses that answer with a feed, each once.
func (d *discoverer) feeds(ctx context.Context, addresses []string, listedBy, how string) []Found {
	var out []Found
	seen := map[string]bool{}
	for i, a := range addresses {
		if i == maxCandidates {
			break
		}
		resp, err := d.f.Do(ctx, watchers.Request{URL: a, ListedBy: listedBy, Robots: true})
		if err != nil || !watchers.IsFeedDocument(resp.Body, resp.ContentType) || seen[resp.URL] {
			continue
		}
		seen[resp.URL] = true
		if fd, err := d.feed(resp, how); err == nil {
			out = append(out, fd)
		}
	}
	return out
}

func (d *discoverer) feed(resp *watchers.Response, how string) (Found, error) {
	info, err := watchers.DescribeFeed(resp)
	if err != nil {
		return Found{}, err
	}
	return Found{Kind: "feed", URL: resp.URL, Title: info.Title, Format: info.Format, Items: info.Items, Newest: info.Newest, Lang: info.Lang, Hub: info.Hub.Hub, How: how}, nil
}

// siteSitemaps are the news sitemaps the site's robots.txt names.
func (d *discoverer) siteSitemaps(ctx context.Context, site string) []Found {
	resp, err := d.f.Do(ctx, watchers.Request{URL: site + "/robots.txt", Trusted: true})
	if err != nil {
		return nil
	}
	var out []Found
	for i, u := range watchers.RobotsSitemaps(resp.Body, resp.URL) {
		if i == maxCandidates {
			break
		}
		if d.seen[u] {
			continue
		}
		d.seen[u] = true
		sresp, err := d.f.Do(ctx, watchers.Request{URL: u, ListedBy: site + "/", Robots: true})
		if err != nil {
			continue
		}
		if fd, ok := d.newsSitemap(ctx, sresp, "named in robots.txt"); ok {
			out = append(out, fd...)
		}
	}
	return out
}

// newsSitemap is a fetched sitemap when it has <news:news> entries; for
// an index, those of its recent sitemaps that have (one level down, as a
// source reads an index: an index in an index is not followed).
func (d *discoverer) newsSitemap(ctx context.Context, resp *watchers.Response, how string) ([]Found, bool) {
	return d.sitemapAt(ctx, resp, how, true)
}

func (d *discoverer) sitemapAt(ctx context.Context, resp *watchers.Response, how string, follow bool) ([]Found, bool) {
	sm, err := watchers.ParseSitemap(resp.Body, resp.ContentType, d.f.MaxBody)
	if err != nil || sm.Index && !follow {
		return nil, false
	}
	now := time.Now()
	if !sm.Index {
		sum := summarizeSitemap(sm, now)
		if sum.News == 0 {
			return nil, false
		}
		return []Found{{Kind: "sitemap", URL: resp.URL, Format: "news sitemap", Items: sum.Recent, Newest: sum.Newest, Lang: strings.Join(sum.Langs, ", "), How: how}}, true
	}
	var out []Found
	for i, ref := range sm.Recent(now) {
		if i == maxCandidates {
			break
		}
		if d.seen[ref.URL] {
			continue
		}
		d.seen[ref.URL] = true
		child, err := d.f.Do(ctx, watchers.Request{URL: ref.URL, ListedBy: resp.URL, Robots: true})
		if err != nil {
			continue
		}
		if fd, ok := d.sitemapAt(ctx, child, how+", in its index "+resp.URL, false); ok {
			out = append(out, fd...)
		}
	}
	return out, len(out) > 0
}

// sourceTitle is what a found source's name is made of: the site, then
// the feed's title where it does not start with the site.
func sourceTitle(fd Found) string {
	site := siteName(fd.URL)
	title := fd.Title
	if fd.Kind == "sitemap" {
		title = "news sitemap"
	}
	if title == "" || strings.HasPrefix(slug(title), slug(site)) {
		return cmp.Or(title, site)
	}
	return site + " " + title
}

// siteName is a host's name without its www. and its top-level domain:
// faz for www.faz.net, tagesschau for www.tagesschau.de.
func siteName(address string) string {
	h := hostOf(address)
	if net.ParseIP(h) != nil {
		return "" // an address, not a name
	}
	if i := strings.LastIndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	if i := strings.LastIndexByte(h, '.'); i >= 0 {
		h = h[i+1:]
	}
	return h
}

// siteOf is an address's scheme and host.
func siteOf(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// describeFound says what a found source holds, in a line.
func describeFound(fd Found) string {
	var b strings.Builder
	b.WriteString(fd.Format)
	if fd.Title != "" {
		fmt.Fprintf(&b, " %q", fd.Title)
	}
	if fd.Kind == "sitemap" {
		fmt.Fprintf(&b, ": %s of the last two days", textutil.Plural(int64(fd.Items), "article"))
	} else {
		fmt.Fprintf(&b, ": %s", textutil.Plural(int64(fd.Items), "item"))
	}
	if !fd.Newest.IsZero() {
		fmt.Fprintf(&b, ", newest %s", fd.Newest.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if fd.Lang != "" {
		fmt.Fprintf(&b, ", language %s", fd.Lang)
	}
	fmt.Fprintf(&b, "; %s", fd.How)
	if fd.Hub != "" {
		fmt.Fprintf(&b, "; WebSub hub %s (websub.callback_url has it push)", fd.Hub)
	}
	return b.String()
}

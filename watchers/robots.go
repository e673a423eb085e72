package watchers

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/arena"
	"github.com/temoto/robotstxt"
)

// ErrRobots is returned for a page the site's robots.txt keeps newsbot
// from.
var ErrRobots = errors.New("disallowed by the site's robots.txt")

// ErrRobotsUnavailable is returned for a page whose site's robots.txt
// could not be had (5xx, network): nothing is fetched from the site for a
// while, and the page is tried again later.
var ErrRobotsUnavailable = errors.New("the site's robots.txt could not be had")

// How long a robots.txt is kept: a day (RFC 9309 asks for no more), and
// a few minutes when it could not be had.
const (
	robotsTTL       = 24 * time.Hour
	robotsFailedTTL = 5 * time.Minute
)

// robotsCache holds each site's robots.txt.
type robotsCache struct {
	mu    sync.Mutex
	sites map[string]*robotsEntry
	names arena.Strings
}

type robotsEntry struct {
	fetching chan struct{} // while one request fetches it: closed when done
	fetched  bool
	data     *robotstxt.RobotsData
	expires  time.Time
	failed   bool // data is the disallow-all of an unavailable robots.txt
}

// prepare makes the entries of these sites (scheme://host) at once, side
// by side in memory (see Fetcher.Prepare).
func (c *robotsCache) prepare(sites []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sites == nil {
		c.sites = make(map[string]*robotsEntry, len(sites))
	}
	arena.Entries(c.sites, sites, &c.names, nil)
}

// allowed reports, by an error, whether newsbot may fetch u. It follows
// RFC 9309: a robots.txt that is missing (4xx) allows everything; one
// that can't be had (5xx, network) disallows everything for a while.
//
// robots.txt is fetched as the page would be (trusted, or listed by the
// same source), since it lives on the same host.
func (c *robotsCache) allowed(ctx context.Context, f *Fetcher, u *url.URL, page Request) error {
	site := u.Scheme + "://" + u.Host
	c.mu.Lock()
	if c.sites == nil {
		c.sites = map[string]*robotsEntry{}
	}
	e, ok := c.sites[site]
	if !ok {
		e = &robotsEntry{}
		c.sites[c.names.Clone(site)] = e
	}
	var data *robotstxt.RobotsData
	var failed bool
	for data == nil {
		switch {
		case e.fetched && !time.Now().After(e.expires):
			data, failed = e.data, e.failed
			c.mu.Unlock()
		case e.fetching != nil:
			// Another request is fetching it: wait for that one.
			done := e.fetching
			c.mu.Unlock()
			select {
			case <-done:
			case <-ctx.Done():
				return ctx.Err()
			}
			c.mu.Lock()
		default:
			done := make(chan struct{})
			e.fetching = done
			c.mu.Unlock()
			d, expires, fail := fetchRobots(ctx, f, site, page)
			c.mu.Lock()
			e.fetching = nil
			close(done)
			if ctx.Err() != nil {
				// Cut short (a signal, once's --timeout): not the site's
				// failure, and nothing learnt.
				c.mu.Unlock()
				return ctx.Err()
			}
			e.data, e.expires, e.failed, e.fetched = d, expires, fail, true
			c.mu.Unlock()
			data, failed = d, fail
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !data.TestAgent(path, agentToken(f.UserAgent)) {
		if failed {
			return ErrRobotsUnavailable
		}
		return ErrRobots
	}
	return nil
}

func fetchRobots(ctx context.Context, f *Fetcher, site string, page Request) (*robotstxt.RobotsData, time.Time, bool) {
	resp, err := f.Do(ctx, Request{URL: site + "/robots.txt", Trusted: page.Trusted, ListedBy: page.ListedBy})
	var se *StatusError
	switch {
	case ctx.Err() != nil:
		return nil, time.Time{}, true // see allowed
	case err == nil:
		if !disallowsAny(resp.Body) {
			// Most sites disallow nothing: one shared answer, not a
			// parsed copy per site (thousands of sources are thousands
			// of sites).
			return allowAll(), time.Now().Add(robotsTTL), false
		}
		if data, perr := robotstxt.FromBytes(resp.Body); perr == nil {
			return data, time.Now().Add(robotsTTL), false
		}
		return allowAll(), time.Now().Add(robotsTTL), false // unparsable: as if empty
	case errors.As(err, &se) && se.Code >= 400 && se.Code < 500 && se.Code != 429:
		return allowAll(), time.Now().Add(robotsTTL), false
	default:
		f.Log.Warn("robots.txt could not be had: not fetching the site's pages for a while (RFC 9309)", "site", site, "error", err)
		data, _ := robotstxt.FromStatusAndBytes(503, nil)
		return data, time.Now().Add(robotsFailedTTL), true
	}
}

// allowAll is the robots.txt that allows everything.
var allowAll = sync.OnceValue(func() *robotstxt.RobotsData {
	data, _ := robotstxt.FromStatusAndBytes(404, nil)
	return data
})

// disallowsAny reports whether a robots.txt has a Disallow rule with a
// path: without one, it allows everything to everyone (RFC 9309).
func disallowsAny(body []byte) bool {
	for _, line := range strings.Split(string(body), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(key), "disallow") && strings.TrimSpace(value) != "" {
			return true
		}
	}
	return false
}

// agentToken is the product token of a User-Agent: "newsbot" in
// "newsbot/0.4 (+https://…)".
func agentToken(ua string) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(ua), "/")
	tok, _, _ = strings.Cut(tok, " ")
	if tok == "" {
		return "newsbot"
	}
	return tok
}

package watchers

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/arena"
	"github.com/newsbot/newsbot/news"
	"github.com/temoto/robotstxt"
)

// ErrRobots is returned for a page the site's robots.txt keeps newsbot
// from.
var ErrRobots = errors.New("disallowed by the site's robots.txt")

// ErrRobotsUnavailable is returned for a page whose site's robots.txt
// could not be had (5xx, network): nothing is fetched from the site for a
// while, and the page is tried again later.
var ErrRobotsUnavailable = errors.New("the site's robots.txt could not be had")

// RobotsTTL is how long a robots.txt is kept at most: a day (RFC 9309
// asks for no more), each site's between ¾ and all of it, so that the sites of
// a config fetched in one tick are asked again over hours, not all in
// one tick a day later. cmd/loadbench shortens it, to measure a daemon
// across the expiry.
var RobotsTTL = 24 * time.Hour

// robotsFailedTTL is how long a robots.txt that could not be had keeps
// the site's pages waiting.
const robotsFailedTTL = 5 * time.Minute

// robotsExpiry is when a robots.txt fetched (or confirmed) now is asked
// for again.
func robotsExpiry(now time.Time) time.Time {
	return now.Add(RobotsTTL*3/4 + time.Duration(rand.Int64N(int64(RobotsTTL/4)+1)))
}

// RobotsStore keeps sites' robots.txt between processes, so that newsbot
// started anew (by cron, a restart, another replica) does not ask every
// site for it again.
type RobotsStore interface {
	// Robots returns what is kept of these sites' robots.txt.
	Robots(ctx context.Context, sites []string) (map[string]news.RobotsFile, error)
	// SaveRobots keeps these.
	SaveRobots(ctx context.Context, files []news.RobotsFile) error
}

// robotsCache holds each site's robots.txt.
type robotsCache struct {
	mu    sync.Mutex
	sites map[string]*robotsEntry
	names arena.Strings
}

type robotsEntry struct {
	fetching chan struct{} // while one request fetches it: closed when done
	fetched  bool
	looked   bool // the store was asked for it
	data     *robotstxt.RobotsData
	expires  time.Time
	failed   bool             // data is the disallow-all of an unavailable robots.txt
	cause    string           // why it was unavailable, as Reason says it
	v        news.Validators  // to ask whether it changed
	save     *news.RobotsFile // fetched, not yet kept in the store
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

// entry is the site's entry, made if need be; c.mu is held.
func (c *robotsCache) entry(site string) *robotsEntry {
	if c.sites == nil {
		c.sites = map[string]*robotsEntry{}
	}
	e, ok := c.sites[site]
	if !ok {
		e = &robotsEntry{}
		c.sites[c.names.Clone(site)] = e
	}
	return e
}

// load takes what the store keeps of these sites, in one go.
func (c *robotsCache) load(ctx context.Context, store RobotsStore, sites []string) error {
	files, err := store.Robots(ctx, sites)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, site := range sites {
		e := c.entry(site)
		if e.fetched {
			continue
		}
		e.looked = true
		if f, ok := files[site]; ok {
			e.set(f)
		}
	}
	return nil
}

// set makes the entry what the file says.
func (e *robotsEntry) set(f news.RobotsFile) {
	e.data, e.failed = robotsData(f), f.Status == 0
	e.cause = ""
	if e.failed {
		e.cause = string(f.Body) // kept there: see fetchRobots
	}
	e.expires, e.v, e.fetched = f.Expires, f.Validators, true
}

// robotsData is what a kept robots.txt allows.
func robotsData(f news.RobotsFile) *robotstxt.RobotsData {
	switch {
	case f.Status == 0:
		data, _ := robotstxt.FromStatusAndBytes(503, nil)
		return data
	case f.Status != http.StatusOK || !disallowsAny(f.Body):
		// Most sites disallow nothing: one shared answer, not a parsed
		// copy per site (thousands of sources are thousands of sites).
		return allowAll()
	}
	if data, err := robotstxt.FromBytes(f.Body); err == nil {
		return data
	}
	return allowAll() // unparsable: as if empty
}

// allowed reports, by an error, whether newsbot may fetch u. It follows
// RFC 9309: a robots.txt that is missing (4xx) allows everything; one
// that can't be had (5xx, network) disallows everything for a while.
//
// robots.txt is fetched as the page would be (trusted, or listed by the
// same source), since it lives on the same host; with a conditional
// request when one was kept; it is not charged to the host's interval.
func (c *robotsCache) allowed(ctx context.Context, f *Fetcher, u *url.URL, page Request) error {
	site := u.Scheme + "://" + u.Host
	c.mu.Lock()
	e := c.entry(site)
	var data *robotstxt.RobotsData
	var failed bool
	var cause string
	for data == nil {
		switch {
		case e.fetched && !time.Now().After(e.expires):
			data, failed, cause = e.data, e.failed, e.cause
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
			looked := e.looked
			e.looked = true
			c.mu.Unlock()
			if !looked && f.RobotsStore != nil {
				// Kept by an earlier process?
				if files, err := f.RobotsStore.Robots(ctx, []string{site}); err == nil {
					if kept, ok := files[site]; ok {
						c.mu.Lock()
						e.set(kept)
						e.fetching = nil
						close(done)
						continue // expired or not: the loop says
					}
				}
			}
			file, err := fetchRobots(ctx, f, site, page, e)
			c.mu.Lock()
			e.fetching = nil
			close(done)
			if err != nil {
				// Nothing learnt of the site's robots.txt: the request for
				// the page fails as the one for robots.txt did.
				c.mu.Unlock()
				return err
			}
			if file.Unchanged {
				e.expires = file.Expires
			} else {
				e.set(file)
			}
			e.save = &file
			data, failed, cause = e.data, e.failed, e.cause
			c.mu.Unlock()
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
		if failed && cause != "" {
			return &causeError{cause} // errors.Is ErrRobotsUnavailable
		}
		if failed {
			return ErrRobotsUnavailable
		}
		return ErrRobots
	}
	return nil
}

// fetchRobots asks the site for its robots.txt (whether it changed, when
// the entry has validators), and returns what is to be kept of it; an
// error when nothing is learnt of it: the request was cut short (a
// signal, once's --timeout), the site asked to wait (Retry-After), or the
// request may not go there (a private address for a link found in a
// source): none of these is the site's robots.txt failing, to keep for
// a while and for other processes.
func fetchRobots(ctx context.Context, f *Fetcher, site string, page Request, e *robotsEntry) (file news.RobotsFile, _ error) {
	resp, err := f.Do(ctx, Request{URL: site + "/robots.txt", Trusted: page.Trusted, ListedBy: page.ListedBy, If: e.v, uncharged: true})
	now := time.Now()
	file = news.RobotsFile{Site: site, Expires: robotsExpiry(now)}
	var se *StatusError
	switch {
	case ctx.Err() != nil:
		return file, ctx.Err()
	case errors.Is(err, ErrBackOff), errors.Is(err, ErrRefusedAddress):
		return file, err
	case err == nil && resp.NotModified && e.data != nil:
		// As before: kept for another while.
		file.Validators, file.Unchanged = e.v, true
		return file, nil
	case err == nil:
		file.Status, file.Body, file.Validators = http.StatusOK, resp.Body, resp.Validators
		if !disallowsAny(resp.Body) {
			file.Body = nil // allows all: nothing to keep
		}
		return file, nil
	case errors.As(err, &se) && se.Code >= 400 && se.Code < 500 && se.Code != 429:
		file.Status = se.Code
		return file, nil
	default:
		// Kept with why, for the errors of the site's requests meanwhile
		// (robotsEntry.set). A site not reached at all is the source's
		// failure, which its error says; a robots.txt that fails (5xx) is
		// said here.
		if unreachable(err) {
			file.Body = []byte(Reason(err))
		} else {
			file.Body = []byte("the site's robots.txt could not be had (" + Reason(err) + "): nothing is fetched from the site for a while (RFC 9309)")
			f.Log.Warn("robots.txt could not be had: not fetching the site's pages for a while (RFC 9309)", "site", site, "error", err)
		}
		file.Expires = now.Add(robotsFailedTTL)
		return file, nil
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

// saveRobots keeps in the store the robots.txt fetched since the last
// call: at the end of a tick, in one go.
func (c *robotsCache) saveRobots(ctx context.Context, store RobotsStore) error {
	c.mu.Lock()
	var files []news.RobotsFile
	var saved []*robotsEntry
	for _, e := range c.sites {
		if e.save != nil {
			files = append(files, *e.save)
			saved = append(saved, e)
		}
	}
	c.mu.Unlock()
	if len(files) == 0 {
		return nil
	}
	if err := store.SaveRobots(ctx, files); err != nil {
		return err
	}
	c.mu.Lock()
	for i, e := range saved {
		if e.save != nil && e.save.Expires.Equal(files[i].Expires) {
			e.save = nil
		}
	}
	c.mu.Unlock()
	return nil
}

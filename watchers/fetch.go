// Package watchers owns everything about checking sources: fetching feeds
// and pages over HTTP, reading the articles a source lists, canonical
// article URLs, and extracting an article's main text.
//
// A Run is one tick's view of the web: each source and each article is
// fetched at most once per Run, however many watchers ask for it.
package watchers

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"golang.org/x/net/html/charset"

	"github.com/newsbot/newsbot/news"
)

// Fetcher fetches sources and article pages, politely and safely: one
// bound on requests in flight, per-host limits and back-off, robots.txt
// for pages found in sources, conditional requests, and no request to a
// private address that a source's content asked for. Set its fields
// before the first request.
type Fetcher struct {
	UserAgent string
	// MaxBody caps a response body, in bytes, after decompression.
	MaxBody int64
	// Parallel bounds the requests in flight at once, across all runs;
	// 0 means no bound.
	Parallel int
	// HostConns bounds the requests in flight to one host; 0: no bound.
	HostConns int
	// HostInterval is the least time between two requests to one host.
	HostInterval time.Duration
	// AllowPrivate lets links found in sources lead to private, loopback
	// and link-local addresses (a self-hosted intranet).
	AllowPrivate bool
	// Robots honours robots.txt for the pages that sources list, and for
	// sources that do not opt out.
	Robots bool
	// Cache keeps the validators of conditional requests; nil: none.
	Cache Cache
	// RobotsStore keeps sites' robots.txt between processes; nil: in
	// memory only.
	RobotsStore RobotsStore
	// FindHubs has a run look for the WebSub hub of each feed it reads in
	// full (Run.Hub): for newsbot run with websub.callback_url.
	FindHubs bool
	// Public reports whether an address is on the public internet;
	// nil: the internet's rules (no private, loopback, link-local,
	// shared or reserved ranges). Tests whose sites are on loopback
	// count it as public.
	Public func(netip.Addr) bool
	// Log hears about what a reader of the log should know (a publisher
	// asking newsbot to wait, a body cut off); nil: slog.Default().
	Log *slog.Logger

	timeout time.Duration
	trusted *http.Client // for URLs from the config
	guarded sync.Map     // source host → *http.Client for URLs found in its content (guardedClient)
	addrs   sourceAddrs  // where each source host was fetched from

	initOnce   sync.Once
	sem        chan struct{}
	extracting chan struct{} // a slot per processor (extractSem)
	hosts      hostTable
	robots     robotsCache
}

// Cache keeps what a conditional request needs, by a key the caller picks.
type Cache interface {
	Validators(ctx context.Context, key string) (news.Validators, error)
	SaveValidators(ctx context.Context, key string, v news.Validators) error
}

// BulkCache is a Cache that reads many keys in one go (Run.Preload).
type BulkCache interface {
	Cache
	// ValidatorsOf returns the validators kept of these keys; a key
	// without any is not in the map.
	ValidatorsOf(ctx context.Context, keys []string) (map[string]news.Validators, error)
}

// NewFetcher returns a Fetcher whose every step has a deadline: dialing,
// the TLS handshake, the response headers, and the whole request, body
// included, so that a server that trickles a byte at a time costs at most
// timeout.
func NewFetcher(timeout time.Duration, userAgent string, maxBody int64) *Fetcher {
	f := &Fetcher{UserAgent: userAgent, MaxBody: maxBody, timeout: timeout}
	f.trusted = f.client(timeout, nil)
	return f
}

// client is an HTTP client with the Fetcher's deadlines; with a guard,
// it dials through it and uses no proxy (the address is checked after
// DNS, at dial time, for every connection, redirects included).
func (f *Fetcher) client(timeout time.Duration, guard *guardedDialer) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		// Sources are checked minutes apart, mostly on hosts of their
		// own: connections kept between ticks would mostly be closed by
		// the servers anyway, and each costs two goroutines and buffers.
		IdleConnTimeout:     30 * time.Second,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 4,
		ForceAttemptHTTP2:   true,
		// newsbot asks for gzip and brotli itself, to cap the body after
		// decompression.
		DisableCompression: true,
	}
	if guard != nil {
		tr.Proxy = nil
		tr.DialContext = guard.DialContext
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		},
	}
}

// CloseIdle closes the connections kept open and forgets the clients of
// links found in sources: the end of a tick, after which nothing is
// fetched for a while.
func (f *Fetcher) CloseIdle() {
	f.trusted.CloseIdleConnections()
	f.guarded.Range(func(host, c any) bool {
		c.(*http.Client).CloseIdleConnections()
		f.guarded.Delete(host)
		return true
	})
}

// Prepare makes room for the hosts of these URLs (the sources of a
// config) all at once: each host's limits, robots.txt and the addresses
// it was fetched from. Made one by one during a tick instead, ten
// thousand hosts' small entries each land among the tick's garbage and
// each keep a page of the heap in use after it (tens of megabytes,
// measured with cmd/loadbench). Hosts not prepared get their entries when
// first fetched.
func (f *Fetcher) Prepare(urls []string) {
	var hosts, names, sites []string
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			continue
		}
		hosts = append(hosts, u.Host)
		names = append(names, u.Hostname())
		sites = append(sites, u.Scheme+"://"+u.Host)
	}
	f.hosts.prepare(hosts)
	f.addrs.prepare(names)
	f.robots.prepare(sites)
}

// HostWait is how long until a request to host (as a URL has it, with
// its port) would start: 0 when one may now.
func (f *Fetcher) HostWait(host string) time.Duration {
	return f.hosts.get(host).wait(f.HostConns)
}

// LoadRobots takes from the RobotsStore what it keeps of the prepared
// sites' robots.txt, in one go: a newsbot started anew (by cron, after a
// restart) asks only the sites whose robots.txt has expired.
func (f *Fetcher) LoadRobots(ctx context.Context) error {
	if f.RobotsStore == nil {
		return nil
	}
	f.robots.mu.Lock()
	sites := make([]string, 0, len(f.robots.sites))
	for site, e := range f.robots.sites {
		if !e.looked && !e.fetched {
			sites = append(sites, site)
		}
	}
	f.robots.mu.Unlock()
	return f.robots.load(ctx, f.RobotsStore, sites)
}

// SaveRobots keeps in the RobotsStore the robots.txt fetched since the
// last call.
func (f *Fetcher) SaveRobots(ctx context.Context) error {
	if f.RobotsStore == nil {
		return nil
	}
	return f.robots.saveRobots(ctx, f.RobotsStore)
}

// extractSem is the semaphore of extractions.
func (f *Fetcher) extractSem() chan struct{} {
	f.init()
	return f.extracting
}

func (f *Fetcher) init() {
	f.initOnce.Do(func() {
		f.extracting = make(chan struct{}, runtime.GOMAXPROCS(0))
		if f.Parallel > 0 {
			f.sem = make(chan struct{}, f.Parallel)
		}
		if f.Log == nil {
			f.Log = slog.Default()
		}
	})
}

// Request is one fetch.
type Request struct {
	URL string
	// Trusted is a URL written in the config (or given on the command
	// line). Any other was found in a source's content and is fetched
	// only from a public address, or from the host of ListedBy, the
	// source that listed it.
	Trusted  bool
	ListedBy string
	// PublicOnly is a URL that anyone may have given (a Slack user's
	// /newsbot check): it is fetched from public addresses only, even
	// when AllowPrivate lets links found in sources reach an intranet.
	PublicOnly bool
	// Robots asks robots.txt first (when the Fetcher honours it).
	Robots bool
	// If holds the validators of the body seen last: a body that has
	// not changed is not read (Response.NotModified).
	If news.Validators
	// uncharged: the request does not start the host's interval (a
	// robots.txt, which the request after it should not wait for).
	uncharged bool
}

// Response is a fetched body.
type Response struct {
	// URL is where the body came from, after redirects.
	URL         string
	ContentType string
	Body        []byte
	// NotModified: the server answered 304, or the body hashes the same
	// as If.Hash. Body is then empty.
	NotModified bool
	// Validators of this body, to send next time.
	Validators news.Validators
	// FreshUntil is when the server says its answer may have changed
	// (Cache-Control max-age, else Expires); zero when it does not say.
	FreshUntil time.Time
	// Links are the answer's Link headers (a WebSub hub may be named
	// there).
	Links []string
}

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	URL    string
	Status string
	Code   int
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Status) }

// ErrTooLarge is returned for a body over the Fetcher's MaxBody.
var ErrTooLarge = errors.New("response body too large")

// Get fetches a trusted url. Any status but 200 is a *StatusError.
func (f *Fetcher) Get(ctx context.Context, url string) (*Response, error) {
	return f.Do(ctx, Request{URL: url, Trusted: true})
}

// Do fetches as the request says. Any status but 200 (or 304 for a
// conditional request) is a *StatusError.
func (f *Fetcher) Do(ctx context.Context, r Request) (*Response, error) {
	f.init()
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("GET %s: not an http(s) URL", r.URL)
	}
	if r.Robots && f.Robots {
		if err := f.robots.allowed(ctx, f, u, r); err != nil {
			return nil, fmt.Errorf("GET %s: %w", r.URL, err)
		}
	}
	// The host's turn first, then a slot of all: requests waiting for a
	// busy host hold no slot the other hosts could use.
	host := f.hosts.get(u.Host)
	release, err := host.acquire(ctx, f.HostConns, f.HostInterval, !r.uncharged)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.URL, err)
	}
	defer release()
	if f.sem != nil {
		select {
		case f.sem <- struct{}{}:
			defer func() { <-f.sem }()
		case <-ctx.Done():
			return nil, fmt.Errorf("GET %s: %w", r.URL, ctx.Err())
		}
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.URL, err)
	}
	req.Header.Set("User-Agent", f.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
	req.Header.Set("Accept-Language", "de, en;q=0.8, *;q=0.5")
	req.Header.Set("Accept-Encoding", "br, gzip")
	if r.If.ETag != "" {
		req.Header.Set("If-None-Match", r.If.ETag)
	}
	if r.If.LastModified != "" {
		req.Header.Set("If-Modified-Since", r.If.LastModified)
	}
	client := f.trusted
	var seenMu sync.Mutex
	var seen []string // the addresses a trusted request connected to
	if r.Trusted {
		req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if a := info.Conn.RemoteAddr(); a != nil {
					seenMu.Lock()
					seen = append(seen, a.String())
					seenMu.Unlock()
				}
			},
		}))
	} else if r.PublicOnly {
		client = f.publicClient()
	} else {
		src, _ := url.Parse(r.ListedBy)
		host := ""
		if src != nil {
			host = src.Hostname()
		}
		client = f.guardedClient(host)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", r.URL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	// Note where a source was fetched from: the links it lists may lead
	// back to that address, private or not.
	seenMu.Lock()
	for _, a := range seen {
		if ap, err := netip.ParseAddrPort(a); err == nil {
			f.addrs.add(u.Hostname(), ap.Addr().Unmap())
			f.addrs.add(resp.Request.URL.Hostname(), ap.Addr().Unmap())
		}
	}
	seenMu.Unlock()
	// A publisher that asks newsbot to wait gets no request before then.
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		wait := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if wait == 0 && resp.StatusCode == http.StatusTooManyRequests {
			wait = time.Minute
		}
		if wait > 0 {
			until := host.backOff(wait)
			f.Log.Warn("publisher asks newsbot to wait", "host", u.Host, "status", resp.StatusCode, "until", until.Format(time.RFC3339))
		}
	}
	v := news.Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	fresh := freshUntil(resp.Header, time.Now())
	if resp.StatusCode == http.StatusNotModified && (r.If.ETag != "" || r.If.LastModified != "") {
		return &Response{URL: resp.Request.URL.String(), NotModified: true, Validators: r.If, FreshUntil: fresh}, nil
	}
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &StatusError{URL: r.URL, Status: resp.Status, Code: resp.StatusCode}
	}
	body, err := f.readBody(resp)
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			f.Log.Warn("body cut off at http.max_body", "url", r.URL, "max_body", f.MaxBody, "content_encoding", resp.Header.Get("Content-Encoding"))
		}
		return nil, fmt.Errorf("GET %s: %w", r.URL, err)
	}
	sum := sha256.Sum256(body)
	v.Hash = hex.EncodeToString(sum[:16])
	out := &Response{URL: resp.Request.URL.String(), ContentType: resp.Header.Get("Content-Type"), Validators: v, FreshUntil: fresh,
		Links: resp.Header.Values("Link")}
	if r.If.Hash != "" && r.If.Hash == v.Hash {
		out.NotModified = true // the server ignores conditional requests
		return out, nil
	}
	out.Body = body
	return out, nil
}

// readBody reads the body, decompressed, up to MaxBody: a compression
// bomb is cut off there.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("read gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(resp.Body)
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	max := f.MaxBody
	if max <= 0 {
		max = 5 << 20
	}
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", unwrapURLError(err))
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w (over %d bytes after decompression)", ErrTooLarge, max)
	}
	return body, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// UTF8 returns an HTML body as UTF-8, decoded by the charset named in the
// Content-Type header, a BOM or a <meta> tag, or guessed when none is.
func UTF8(body []byte, contentType string) []byte {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && isUTF8Label(params["charset"]) {
		if utf8.Valid(body) {
			return body
		}
		// Said to be UTF-8, and it is not (Latin-1 served by a server
		// that labels everything UTF-8): what the page itself says, else
		// its bytes.
		if _, name, certain := charset.DetermineEncoding(body, "text/html"); certain && !isUTF8Label(name) {
			return decode(body, name)
		}
		return repairUTF8(body)
	}
	// html/charset decides on the first 1024 bytes alone and falls back to
	// windows-1252 when they name no charset and hold no non-ASCII byte; a
	// body that is valid UTF-8 throughout is taken as UTF-8 unless the
	// header, a BOM or a <meta> says otherwise.
	// A body that is valid UTF-8 stays so when its label (or the lack of
	// one: windows-1252 is the fallback) is a Latin one; any other label
	// (a <meta> naming Shift_JIS, say) is followed.
	_, name, certain := charset.DetermineEncoding(body, contentType)
	if utf8.Valid(body) && (latinLabel(name) || strings.EqualFold(name, "utf-8")) {
		return body
	}
	if !certain {
		// Nothing names a charset, and it is not all UTF-8: detected.
		return legacyUTF8(body)
	}
	r, err := charset.NewReader(bytes.NewReader(body), contentType)
	if err != nil {
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}

// mislabelled reports whether a body said to be in a single-byte Latin
// charset is in fact UTF-8: it holds multi-byte UTF-8 sequences and is
// valid UTF-8 throughout, which Latin text almost never is.
func mislabelled(body []byte, label string) bool {
	if !latinLabel(label) {
		return false
	}
	for _, b := range body {
		if b >= 0x80 {
			return true // valid UTF-8 (checked by the caller) with non-ASCII
		}
	}
	return false
}

// latinLabel reports whether a charset label names ASCII or a single-byte
// Latin charset.
func latinLabel(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "windows-1252", "iso-8859-1", "iso-8859-15", "latin1", "l1", "us-ascii", "ascii", "cp1252":
		return true
	}
	return false
}

// Transient reports whether a failed fetch may succeed if tried again
// later: a network error, a timeout, a 5xx, 408 or 429, or a publisher
// that asked newsbot to wait. A 4xx such as 403 or 404, a body too large,
// a page with no text, a refused address or robots.txt will not.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests || se.Code == http.StatusRequestTimeout
	}
	if errors.Is(err, ErrBackOff) || errors.Is(err, ErrRobotsUnavailable) {
		return true
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoText) || errors.Is(err, context.Canceled) ||
		errors.Is(err, ErrRefusedAddress) || errors.Is(err, ErrRobots) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

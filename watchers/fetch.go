// Package watchers owns everything about checking sources: fetching feeds
// and pages over HTTP, reading the articles a source lists, canonical
// article URLs, and extracting an article's main text.
//
// A Run is one tick's view of the web: each source and each article is
// fetched at most once per Run, however many watchers ask for it.
package watchers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Fetcher fetches sources and article pages.
type Fetcher struct {
	Client    *http.Client
	UserAgent string
	// MaxBody caps a response body, in bytes, after decompression.
	MaxBody int64
	// Parallel bounds the requests in flight at once, across all runs;
	// 0 means no bound. Set it before the first Get.
	Parallel int

	semOnce sync.Once
	sem     chan struct{}
}

// NewFetcher returns a Fetcher whose every step has a deadline: dialing,
// the TLS handshake, the response headers, and the whole request.
func NewFetcher(timeout time.Duration, userAgent string, maxBody int64) *Fetcher {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ResponseHeaderTimeout: timeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
	return &Fetcher{
		Client: &http.Client{
			Transport: tr,
			Timeout:   timeout,
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				if len(via) >= 10 {
					return errors.New("stopped after 10 redirects")
				}
				return nil
			},
		},
		UserAgent: userAgent,
		MaxBody:   maxBody,
	}
}

// Response is a fetched body.
type Response struct {
	// URL is where the body came from, after redirects.
	URL         string
	ContentType string
	Body        []byte
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

// Get fetches url. Any status but 200 is a *StatusError.
func (f *Fetcher) Get(ctx context.Context, url string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	f.semOnce.Do(func() {
		if f.Parallel > 0 {
			f.sem = make(chan struct{}, f.Parallel)
		}
	})
	if f.sem != nil {
		select {
		case f.sem <- struct{}{}:
			defer func() { <-f.sem }()
		case <-ctx.Done():
			return nil, fmt.Errorf("GET %s: %w", url, ctx.Err())
		}
	}
	req.Header.Set("User-Agent", f.UserAgent)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5")
	req.Header.Set("Accept-Language", "de, en;q=0.8, *;q=0.5")
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, &StatusError{URL: url, Status: resp.Status, Code: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: read body: %w", url, unwrapURLError(err))
	}
	if int64(len(body)) > f.MaxBody {
		return nil, fmt.Errorf("GET %s: %w (over %d bytes)", url, ErrTooLarge, f.MaxBody)
	}
	return &Response{URL: resp.Request.URL.String(), ContentType: resp.Header.Get("Content-Type"), Body: body}, nil
}

func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && strings.HasPrefix(err.Error(), "Get ") {
		return ue.Unwrap()
	}
	return err
}

// UTF8 returns an HTML body as UTF-8, decoded by the charset named in the
// Content-Type header, a BOM or a <meta> tag, or guessed when none is.
func UTF8(body []byte, contentType string) []byte {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && strings.EqualFold(params["charset"], "utf-8") {
		return body
	}
	// html/charset decides on the first 1024 bytes alone and falls back to
	// windows-1252 when they name no charset and hold no non-ASCII byte; a
	// body that is valid UTF-8 throughout is taken as UTF-8 unless the
	// header, a BOM or a <meta> says otherwise.
	if _, _, certain := charset.DetermineEncoding(body, contentType); !certain && utf8.Valid(body) {
		return body
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

// Transient reports whether a failed fetch may succeed if tried again
// later: a network error, a timeout, a 5xx, 408 or 429. A 4xx such as 403
// or 404, a body too large, or a page with no text will not.
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == http.StatusTooManyRequests || se.Code == http.StatusRequestTimeout
	}
	if errors.Is(err, ErrTooLarge) || errors.Is(err, ErrNoText) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF)
}

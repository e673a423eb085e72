package watchers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/watchers"
)

// An error says its cause first, in words a reader can act on: a host
// that DNS does not know, a port nobody listens on, a certificate this
// machine does not trust, the site's answer.
func TestReason(t *testing.T) {
	// A port nobody listens on: one that was just free.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/feed.xml"
	ln.Close()
	tlsSite := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSite.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	defer gone.Close()

	f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
	get := func(url string) error {
		_, err := f.Do(context.Background(), watchers.Request{URL: url, Trusted: true})
		return err
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"DNS", fmt.Errorf("GET https://nowhere.example/: %w", &net.DNSError{Err: "no such host", Name: "nowhere.example", IsNotFound: true}), "no such host nowhere.example (DNS)"},
		{"refused", get(closed), "connection refused by " + strings.TrimPrefix(strings.TrimSuffix(closed, "/feed.xml"), "http://")},
		{"TLS", get(tlsSite.URL), "TLS: the site's certificate is signed by an authority this machine does not know"},
		{"status", get(gone.URL + "/x"), "the site answered 404 Not Found"},
		{"robots.txt that failed", fmt.Errorf("GET x: %w", fmt.Errorf("%w: %w", watchers.ErrRobotsUnavailable, errors.New("x"))), "the site's robots.txt could not be had"},
	} {
		if got := watchers.Reason(tt.err); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: Reason(%v) = %q, want it to begin %q", tt.name, tt.err, got, tt.want)
		}
	}
}

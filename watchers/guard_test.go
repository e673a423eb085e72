package watchers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// listenOn listens on a loopback address other than 127.0.0.1 and counts
// the connections it gets.
func listenOn(t *testing.T, addr string) (string, *atomic.Int64) {
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<html><body><article><h1>Intern</h1><p>Geheime Dinge über Syrien, die niemand lesen soll, stehen hier.</p></article></body></html>`))
	}), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			n.Add(1)
		}
	}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String(), &n
}

// A feed's links are fetched only from public addresses, or from the
// host of the source that listed them: a link, or a redirect, to another
// loopback address or to cloud metadata makes no connection there.
func TestLinksToPrivateAddressesRefused(t *testing.T) {
	inner, conns := listenOn(t, "127.0.0.2")
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>
<item><title>Eins</title><link>%s/geheim.html</link><description>Syrien</description></item>
<item><title>Zwei</title><link>http://169.254.169.254/latest/meta-data/</link><description>Syrien</description></item>
<item><title>Drei</title><link>/umleitung</link><description>Syrien</description></item>
<item><title>Vier</title><link>/artikel.html</link><description>Syrien</description></item>
</channel></rss>`, inner)
		case "/umleitung":
			http.Redirect(w, r, inner+"/geheim.html", http.StatusFound)
		case "/artikel.html":
			w.Write([]byte(`<html><body><article><h1>Vier</h1><p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, sagen Helfer.</p><p>Hilfsorganisationen fordern seit Wochen einen sicheren Zugang.</p></article></body></html>`))
		}
	}))
	defer site.Close()
	f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	run := f.NewRun(nil)
	ctx := context.Background()
	items, err := run.List(ctx, watchers.Source{Name: "k", URL: site.URL + "/feed"})
	if err != nil || len(items) != 4 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	for _, it := range items[:3] {
		a, err := run.Article(ctx, it)
		if !errors.Is(err, watchers.ErrRefusedAddress) || !a.FromFeed {
			t.Errorf("%s (%s): %v; want refused, and the feed's text", it.Title, it.URL, err)
		}
	}
	if a, err := run.Article(ctx, items[3]); err != nil || a.FromFeed {
		t.Errorf("a link on the source's own host: %v", err)
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the private address got %d connections, want none", n)
	}
	// The config's own URLs are trusted, and so is a private network
	// when the config says so.
	if _, err := f.Get(ctx, inner+"/geheim.html"); err != nil {
		t.Errorf("a URL from the config: %v", err)
	}
	f2 := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	f2.AllowPrivate = true
	if _, err := f2.NewRun(nil).Article(ctx, items[0]); err != nil {
		t.Errorf("with allow_private_networks: %v", err)
	}
}

// The exception for a source's own host is for the address it was
// fetched from (any port: the same host), and a connection made under it
// serves no link that another source listed.
func TestSourceHostExceptionIsNarrow(t *testing.T) {
	for _, prepared := range []bool{false, true} {
		t.Run(fmt.Sprint("prepared=", prepared), func(t *testing.T) { testSourceHostException(t, prepared) })
	}
}

func testSourceHostException(t *testing.T, prepared bool) {
	intranet, conns := listenOn(t, "127.0.0.2") // a source in the config, on a private address
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("x")) }))
	defer other.Close()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer site.Close()
	f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	if prepared {
		f.Prepare([]string{intranet + "/", site.URL + "/"})
	}
	ctx := context.Background()
	// Both sources fetched, as a tick does.
	if _, err := f.Get(ctx, intranet+"/"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get(ctx, site.URL+"/"); err != nil {
		t.Fatal(err)
	}
	run := f.NewRun(nil)
	// The intranet source's own link: allowed, and a connection is kept.
	if _, err := f.Do(ctx, watchers.Request{URL: intranet + "/a.html", ListedBy: intranet + "/"}); err != nil {
		t.Fatalf("a link on the source's own address: %v", err)
	}
	before := conns.Load()
	// The same address, listed by the other source: refused, and no
	// pooled connection carries it there.
	_, err := run.Article(ctx, news.Item{URL: intranet + "/a.html", ListedBy: site.URL + "/feed"})
	if !errors.Is(err, watchers.ErrRefusedAddress) || conns.Load() != before {
		t.Errorf("another source's link to the intranet: %v, %d new connections; want refused, none", err, conns.Load()-before)
	}
	// The source's own host, on another port: the same host, allowed.
	if _, err := run.Article(ctx, news.Item{URL: other.URL + "/b.html", ListedBy: site.URL + "/feed"}); errors.Is(err, watchers.ErrRefusedAddress) {
		t.Errorf("a link to another port of the source's host: %v, want it fetched", err)
	}
}

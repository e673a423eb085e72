package watchers_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/store"
	"github.com/newsbot/newsbot/watchers"
)

// robots.txt is kept in the store: a newsbot started anew (a cron job's
// next run) asks the site for it no more until it expires, and then with
// a conditional request; and a robots.txt request does not start the
// host's interval, so the page after it does not wait.
func TestRobotsKeptBetweenProcesses(t *testing.T) {
	var mu sync.Mutex
	var robotsAt, pageAt []time.Time
	var conditional int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			robotsAt = append(robotsAt, time.Now())
			w.Header().Set("ETag", `"r1"`)
			if r.Header.Get("If-None-Match") == `"r1"` {
				conditional++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Write([]byte("User-agent: *\nDisallow: /privat/\n"))
		default:
			pageAt = append(pageAt, time.Now())
			w.Write([]byte(`<html><body><article><h1>T</h1><p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, sagen Helfer vor Ort.</p></article></body></html>`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newsbot.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A process: a Fetcher of its own on the one store.
	process := func() *watchers.Fetcher {
		f := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20)
		f.Robots, f.HostInterval, f.RobotsStore = true, 2*time.Second, db
		f.Prepare([]string{srv.URL + "/feed.xml"})
		if err := f.LoadRobots(ctx); err != nil {
			t.Fatal(err)
		}
		return f
	}
	get := func(f *watchers.Fetcher, path string) error {
		_, err := f.Do(ctx, watchers.Request{URL: srv.URL + path, Trusted: true, Robots: true})
		return err
	}

	f := process()
	if err := get(f, "/a.html"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(robotsAt) != 1 || len(pageAt) != 1 {
		t.Fatalf("%d robots.txt and %d page requests, want 1 each", len(robotsAt), len(pageAt))
	}
	// The host's interval is 2 s; the page did not wait for it.
	if gap := pageAt[0].Sub(robotsAt[0]); gap > time.Second {
		t.Errorf("the page came %v after robots.txt: robots.txt was charged to the host's interval", gap)
	}
	mu.Unlock()
	if err := f.SaveRobots(ctx); err != nil {
		t.Fatal(err)
	}

	// The next process asks for it no more, and still honours it.
	f = process()
	if err := get(f, "/privat/x.html"); err == nil {
		t.Error("a page robots.txt disallows was fetched by the next process")
	}
	if err := get(f, "/b.html"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(robotsAt) != 1 {
		t.Errorf("the next process asked for robots.txt again (%d requests)", len(robotsAt))
	}
	mu.Unlock()

	// Expired: asked again, whether it changed; still honoured.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `UPDATE robots SET expires_at = 0`); err != nil {
		t.Fatal(err)
	}
	f = process()
	if err := get(f, "/privat/y.html"); err == nil {
		t.Error("a page robots.txt disallows was fetched after a 304")
	}
	mu.Lock()
	if len(robotsAt) != 2 || conditional != 1 {
		t.Errorf("after it expired: %d robots.txt requests, %d conditional; want a second, conditional", len(robotsAt), conditional)
	}
	mu.Unlock()
}

// A link found in one source that leads to another's private address is
// refused, its robots.txt included; that refusal is not the site's
// robots.txt failing: the source on that address is read right after it,
// and no failure is kept in the store for other processes.
func TestRefusedLinkDoesNotBlockTheSite(t *testing.T) {
	intranet, _ := listenOn(t, "127.0.0.2") // a source in the config, on a private address
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer site.Close()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "newsbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := watchers.NewFetcher(3*time.Second, "newsbot-test", 1<<20)
	f.Robots, f.RobotsStore = true, db
	run := f.NewRun(nil)
	if _, err := run.Article(ctx, news.Item{URL: intranet + "/a.html", ListedBy: site.URL + "/feed"}); !errors.Is(err, watchers.ErrRefusedAddress) {
		t.Fatalf("another source's link to the intranet: %v, want refused", err)
	}
	if _, err := f.Get(ctx, intranet+"/"); err != nil {
		t.Errorf("the intranet source after a refused link to it: %v, want it read", err)
	}
	if err := f.SaveRobots(ctx); err != nil {
		t.Fatal(err)
	}
	kept, err := db.Robots(ctx, []string{intranet})
	if err != nil {
		t.Fatal(err)
	}
	if file, ok := kept[intranet]; ok && file.Status == 0 {
		t.Errorf("kept as a robots.txt that failed: %+v", file)
	}
}

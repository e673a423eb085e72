package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/news"
)

func pushApp(t *testing.T, yaml string, logs io.Writer) *App {
	t.Helper()
	slack := fakeslack.New(t)
	dir := t.TempDir()
	if logs == nil {
		logs = io.Discard
	}
	a := appOf(t, fmt.Sprintf("storage: %s\nslack: {token: xoxb-t, api_url: %q, channel: \"#news\"}\n", filepath.Join(dir, "n.db"), slack.APIURL())+yaml,
		Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	bg := context.Background()
	a.running.Store(&bg)
	return a
}

func signedPush(a *App, id, secret, body string) int {
	req := httptest.NewRequest(http.MethodPost, "/websub/"+id, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/rss+xml")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	rec := httptest.NewRecorder()
	a.serveWebSub(rec, req, id)
	return rec.Code
}

// A push is a check of the pushed source alone: the watcher's other
// sources wait for their own checks.
func TestPushChecksThePushedSourceAlone(t *testing.T) {
	var boteHits atomic.Int32
	var site *httptest.Server
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title></channel></rss>`)
		case "/bote.xml":
			boteHits.Add(1)
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>B</title></channel></rss>`)
		default:
			fmt.Fprint(w, `<html lang="de"><body><article><h1>Genf</h1><p>In Genf beginnen neue Gespräche über Syrien, sagen Diplomaten der Vereinten Nationen am Montag.</p></article></body></html>`)
		}
	}))
	defer site.Close()
	a := pushApp(t, fmt.Sprintf(`
http: {allow_private_networks: true, listen: "127.0.0.1:0", host_interval: 0s}
websub: {callback_url: "http://127.0.0.1:9/websub"}
sources: [{name: kurier, url: %q}, {name: bote, url: %q}]
watchers: [{name: nahost, schedule: "@hourly", sources: [kurier, bote], keywords: [Syrien]}]
`, site.URL+"/feed.xml", site.URL+"/bote.xml"), nil)
	ctx := context.Background()
	a.tick(ctx, a.watchers, "start")
	before := boteHits.Load()
	if err := a.store.SaveWebSub(ctx, news.WebSub{ID: "k1", Source: "kurier", Hub: "http://127.0.0.1:9/", Topic: site.URL + "/feed.xml", Secret: "s", State: news.WebSubActive, LeaseUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		body := fmt.Sprintf(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title><item><title>Neu %d</title><link>%s/%d.html</link><guid>%d</guid><description>Syrien</description></item></channel></rss>`, i, site.URL, i, i)
		if code := signedPush(a, "k1", "s", body); code != http.StatusAccepted {
			t.Fatalf("push: %d", code)
		}
		a.commands.drain(10 * time.Second) // waits for the push's processing
		a.commands.mu.Lock()
		a.commands.closing = false
		a.commands.mu.Unlock()
	}
	if got := boteHits.Load() - before; got != 0 {
		t.Errorf("3 pushes of kurier fetched bote %d times, want 0", got)
	}
}

// A push carries only the new entries: an item of the pushed feed held
// back after its page failed once is not taken as dropped by the source
// (which would give it its last try at once, on the feed's text alone):
// it is alerted when its page answers at the next poll.
func TestPushKeepsHeldItems(t *testing.T) {
	for _, pushed := range []bool{true, false} {
		t.Run(fmt.Sprint("pushed=", pushed), func(t *testing.T) { testHeldItems(t, pushed) })
	}
}

// testHeldItems: an item held back from its first check is alerted at
// the next poll, with a push between the two or without.
func testHeldItems(t *testing.T, pushed bool) {
	var fails atomic.Int32
	fails.Store(2)
	var site *httptest.Server
	feed := func(items ...string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>` + strings.Join(items, "") + `</channel></rss>`
	}
	item := func(n int) string {
		return fmt.Sprintf(`<item><title>Meldung %d</title><link>%s/%d.html</link><guid>%d</guid><description>Kurz</description></item>`, n, site.URL, n, n)
	}
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/feed.xml":
			fmt.Fprint(w, feed(item(1)))
		case "/1.html":
			if fails.Add(-1) >= 0 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprint(w, `<html lang="de"><body><article><h1>Genf</h1><p>In Genf beginnen neue Gespräche über Syrien, sagen Diplomaten der Vereinten Nationen am Montag in der Schweiz.</p><p>Beide Seiten hätten sich auf einen Zeitplan geeinigt, hieß es.</p></article></body></html>`)
		default:
			fmt.Fprint(w, `<html lang="de"><body><article><h1>Wetter</h1><p>Morgen regnet es im ganzen Land, sagen die Meteorologen des Wetterdienstes am Montag.</p><p>Am Wochenende wird es wieder sonniger, heißt es.</p></article></body></html>`)
		}
	}))
	defer site.Close()
	a := pushApp(t, fmt.Sprintf(`
first_run: alert
http: {allow_private_networks: true, listen: "127.0.0.1:0", host_interval: 0s}
websub: {callback_url: "http://127.0.0.1:9/websub"}
sources: [{name: kurier, url: %q}]
watchers: [{name: nahost, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}]
`, site.URL+"/feed.xml"), nil)
	ctx := context.Background()
	a.tick(ctx, a.watchers, "start") // 1.html fails: held back
	if err := a.store.SaveWebSub(ctx, news.WebSub{ID: "k1", Source: "kurier", Hub: "http://127.0.0.1:9/", Topic: site.URL + "/feed.xml", Secret: "s", State: news.WebSubActive, LeaseUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if pushed {
		if code := signedPush(a, "k1", "s", feed(item(2))); code != http.StatusAccepted {
			t.Fatalf("push: %d", code)
		}
		a.commands.drain(10 * time.Second)
	}
	a.tick(ctx, a.watchers, "@hourly") // 1.html answers now
	a.tick(ctx, a.watchers, "@hourly")
	var n int
	raw, err := sql.Open("sqlite", a.cfg.Storage+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE url LIKE '%/1.html'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("item 1 (about Syria in its page) alerted %d times, want 1", n)
	}
}

// When a feed names another hub, the old hub's verification of the
// unsubscription newsbot asked for is answered, though the new
// subscription is saved meanwhile.
func TestHubChangeUnsubscribesTheOldHub(t *testing.T) {
	a := pushApp(t, `
http: {allow_private_networks: true, listen: "127.0.0.1:0"}
websub: {callback_url: "http://127.0.0.1:9/websub"}
sources: [{name: kurier, url: "http://127.0.0.1:9/feed.xml"}]
watchers: [{name: nahost, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}]
`, nil)
	ctx := context.Background()
	old := news.WebSub{ID: "old", Source: "kurier", Hub: "http://127.0.0.1:9/hub1", Topic: "http://127.0.0.1:9/feed.xml", Secret: "s", State: news.WebSubActive}
	a.store.SaveWebSub(ctx, old)
	// what syncWebSub does when the feed names another hub:
	a.unsubscribe(ctx, old, time.Now())
	a.store.SaveWebSub(ctx, news.WebSub{ID: "new", Source: "kurier", Hub: "http://127.0.0.1:9/hub2", Topic: old.Topic, Secret: "t", State: news.WebSubRequested})
	req := httptest.NewRequest(http.MethodGet, "/websub/old?hub.mode=unsubscribe&hub.topic="+old.Topic+"&hub.challenge=abc", nil)
	rec := httptest.NewRecorder()
	a.serveWebSub(rec, req, "old")
	if rec.Code != 200 || rec.Body.String() != "abc" {
		t.Errorf("the old hub's verification of the unsubscription newsbot asked for: %d %q, want 200 abc", rec.Code, rec.Body.String())
	}
}

// A feed's hub is asked as a link found in the source is fetched, by the
// source's own address: a feed whose rel=self names the host of an
// intranet source cannot make newsbot post to that host.
func TestHubAddressGuardedByTheSourcesAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0") // the "intranet" host
	if err != nil {
		t.Skip(err)
	}
	intranet := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Intern</title></channel></rss>`)
	})}}
	intranet.Start()
	defer intranet.Close()
	ln2, err := net.Listen("tcp", "127.0.0.2:0") // an admin service on the intranet host
	if err != nil {
		t.Skip(err)
	}
	var mu sync.Mutex
	var adminHits []string
	admin := &httptest.Server{Listener: ln2, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		adminHits = append(adminHits, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})}}
	admin.Start()
	defer admin.Close()
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>E</title>
<atom:link rel="hub" href="%s/admin/delete-everything"/><atom:link rel="self" href="%s/anything"/></channel></rss>`, admin.URL, intranet.URL)
	}))
	defer evil.Close()
	a := pushApp(t, fmt.Sprintf(`
http: {listen: "127.0.0.1:0", host_interval: 0s}
websub: {callback_url: "https://newsbot.example.org/websub"}
sources: [{name: intern, url: %q}, {name: evil, url: %q}]
watchers: [{name: w, schedule: "@hourly", sources: [intern, evil], keywords: [Syrien]}]
`, intranet.URL+"/feed.xml", evil.URL+"/feed.xml"), nil)
	ctx := context.Background()
	a.tick(ctx, a.watchers, "start")
	a.syncWebSub(ctx)
	mu.Lock()
	defer mu.Unlock()
	if len(adminHits) > 0 {
		t.Errorf("a public feed made newsbot send %v to a private address (%s)", adminHits, admin.URL)
	}
}

// The callback is /websub/ID under websub.callback_url, which may end in
// /websub or not.
func TestCallbackPath(t *testing.T) {
	a := pushApp(t, `
http: {listen: "127.0.0.1:0"}
websub: {callback_url: "https://newsbot.example.org"}
sources: [{name: kurier, url: "http://127.0.0.1:9/feed.xml"}]
watchers: [{name: nahost, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}]
`, nil)
	if got := a.callback("ID"); got != "https://newsbot.example.org/websub/ID" {
		t.Errorf("callback %q; the handler serves /websub/{id}", got)
	}
}

// first_run: skip (the default). A watcher that has not checked a source
// yet (one added by a reload, while the source's subscription is active)
// leaves a push to its first poll: the push does not prime the source
// with its few entries, which would have the poll alert every older one.
func TestPushBeforeTheFirstPoll(t *testing.T) {
	var site *httptest.Server
	feed := func(items ...string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>` + strings.Join(items, "") + `</channel></rss>`
	}
	item := func(n int) string {
		return fmt.Sprintf(`<item><title>Syrien %d</title><link>%s/%d.html</link><guid>%d</guid><description>Syrien</description></item>`, n, site.URL, n, n)
	}
	site = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/feed.xml" {
			fmt.Fprint(w, feed(item(4), item(3), item(2), item(1)))
			return
		}
		fmt.Fprint(w, `<html lang="de"><body><article><h1>Genf</h1><p>In Genf beginnen neue Gespräche über Syrien, sagen Diplomaten der Vereinten Nationen am Montag in der Schweiz.</p><p>Beide Seiten hätten sich auf einen Zeitplan geeinigt, hieß es.</p></article></body></html>`)
	}))
	defer site.Close()
	a := pushApp(t, fmt.Sprintf(`
first_run: skip
http: {allow_private_networks: true, listen: "127.0.0.1:0", host_interval: 0s}
websub: {callback_url: "http://127.0.0.1:9/websub"}
sources: [{name: kurier, url: %q}]
watchers: [{name: neu, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}]
`, site.URL+"/feed.xml"), nil)
	ctx := context.Background()
	if err := a.store.SaveWebSub(ctx, news.WebSub{ID: "k1", Source: "kurier", Hub: "http://127.0.0.1:9/", Topic: site.URL + "/feed.xml", Secret: "s", State: news.WebSubActive, LeaseUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if code := signedPush(a, "k1", "s", feed(item(4))); code != http.StatusAccepted {
		t.Fatalf("push: %d", code)
	}
	a.commands.drain(10 * time.Second)
	a.tick(ctx, a.watchers, "start")
	raw, _ := sql.Open("sqlite", a.cfg.Storage+"?_pragma=busy_timeout(10000)")
	defer raw.Close()
	var n int
	raw.QueryRow(`SELECT COUNT(*) FROM alerts`).Scan(&n)
	if n != 0 {
		t.Errorf("first_run: skip, yet %d alerts on the feed's old entries", n)
	}
}

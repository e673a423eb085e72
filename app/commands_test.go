package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/pipeline"
)

// syrienFeed is the test site's feed with n articles on Syria, each
// with its page.
func syrienFeed(site *testsite.Site, n int) {
	var items strings.Builder
	for i := range n {
		fmt.Fprintf(&items, `<item><title>Syrien: Meldung %d</title><link>%s/m/%d.html</link><description>Neue Kämpfe in Syrien, Meldung %d.</description></item>`, i, site.URL, i, i)
		site.Set(fmt.Sprintf("/m/%d.html", i), fmt.Sprintf(`<html lang="de"><head><title>Syrien: Meldung %d</title></head><body><article><h1>Syrien: Meldung %d</h1>
<p>In Syrien sind nach Angaben von Beobachtern neue Kämpfe ausgebrochen, Meldung %d. Die Vereinten Nationen riefen beide Seiten zur Zurückhaltung auf.</p>
<p>Hilfsorganisationen berichten von Tausenden Menschen, die aus der Region fliehen. Die Lage in den Lagern an der Grenze gilt als angespannt.</p></article></body></html>`, i, i, i))
	}
	site.Set("/rss/politik.xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Rundschau</title>`+items.String()+`</channel></rss>`)
}

func posted(slack *fakeslack.Server, channel string) int {
	n := 0
	for _, m := range slack.Messages() {
		if m.Channel == channel {
			n++
		}
	}
	return n
}

// A muted watcher's matches are recorded and not posted, and status
// counts them; after unmute, alerts are posted again.
func TestMuteCommand(t *testing.T) {
	a, site, slack := newTestApp(t, "@hourly")
	ctx := context.Background()
	ask := func(text string) Reply {
		t.Helper()
		return a.Command(ctx, Command{Text: text, UserID: "U123", UserName: "anna"})
	}
	syrienFeed(site, 1)
	a.Tick(ctx, a.watchers, &pipeline.Stats{}) // first run: recorded, not alerted

	r := ask("mute nahost 2h")
	if !r.InChannel || !strings.Contains(r.Text, "<@U123> muted *nahost* until") {
		t.Fatalf("mute replied %+v", r)
	}
	syrienFeed(site, 3)
	st := &pipeline.Stats{}
	a.Tick(ctx, a.watchers, st)
	if n := posted(slack, "#news"); n != 0 {
		t.Fatalf("%d alerts posted while muted", n)
	}
	if line := st.String(); !strings.Contains(line, "2 matches (2 recorded, not posted: muted from Slack)") {
		t.Errorf("the tick's line does not say the matches were muted: %s", line)
	}
	status := ask("status").Text
	t.Logf("status while muted:\n%s", status)
	for _, want := range []string{"*nahost* `@hourly` → #news: last ran", "(just now), next", "muted until", "by <@U123>: 2 matches recorded, not posted", "0 alerts today (and 2 muted)"} {
		if !strings.Contains(status, want) {
			t.Errorf("status lacks %q:\n%s", want, status)
		}
	}

	r = ask("unmute nahost")
	if !r.InChannel || !strings.Contains(r.Text, "unmuted *nahost*") || !strings.Contains(r.Text, "2 matches") {
		t.Errorf("unmute replied %+v", r)
	}
	if r := ask("unmute nahost"); !strings.Contains(r.Text, "is not muted") {
		t.Errorf("unmute again replied %+v", r)
	}
	syrienFeed(site, 4)
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	if n := posted(slack, "#news"); n != 1 {
		t.Errorf("%d alerts posted after unmute, want the new one", n)
	}
	if status := ask("status").Text; strings.Contains(status, "muted until") || !strings.Contains(status, "1 alert today (and 2 muted)") {
		t.Errorf("status after unmute: want no mute, and today's alerts with those kept while muted:\n%s", status)
	}
}

// Wrong input gets a sentence that says what to give.
func TestCommandMistakes(t *testing.T) {
	a, _, _ := newTestApp(t, "@hourly")
	ctx := context.Background()
	for _, tt := range []struct{ text, want string }{
		{"", "/newsbot status"},
		{"help", "/newsbot search <query>"},
		{"frobnicate", `newsbot knows no command "frobnicate"`},
		{"mute", "Give `/newsbot mute` a watcher and how long"},
		{"mute nahost", "Give `/newsbot mute` a watcher and how long"},
		{"mute sport 2h", `There is no watcher "sport". The watchers are ` + "`nahost`"},
		{"mute nahost soon", `"soon" is not a duration`},
		{"mute nahost 10s", "too short"},
		{"mute nahost 45d", "longer than newsbot mutes a watcher"},
		{"unmute", "Give `/newsbot unmute` a watcher"},
		{"check", "Give `/newsbot check` the address of an article"},
		{"check ftp://rr.example/a", "is not a web address"},
		{"search", "Give `/newsbot search` a query"},
		{"search Syrien AND (", "newsbot cannot read that query"},
	} {
		r := a.Command(ctx, Command{Text: tt.text, UserID: "U1"})
		if !strings.Contains(r.Text, tt.want) || r.InChannel {
			t.Errorf("/newsbot %s replied %+v, want an ephemeral reply with %q", tt.text, r, tt.want)
		}
	}
}

func TestParseMuteDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30m": 30 * time.Minute, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute, "1d": 24 * time.Hour, "2w": 14 * 24 * time.Hour, "30d": MaxMute} {
		if got, err := parseMuteDuration(in); err != nil || got != want {
			t.Errorf("parseMuteDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "-1h", "5w", "1y", "99999999999d"} {
		if _, err := parseMuteDuration(in); err == nil {
			t.Errorf("parseMuteDuration(%q) took it", in)
		}
	}
}

// search finds the stored articles a query matches, newest first, each
// once however many watchers alerted on it.
func TestSearchCommand(t *testing.T) {
	a, site, _ := newTestApp(t, "@hourly")
	ctx := context.Background()
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	syrienFeed(site, 3)
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	r := a.Command(ctx, Command{Text: `search "Meldung 2" OR "Meldung 1"`})
	t.Logf("search:\n%s", r.Text)
	if !strings.Contains(r.Text, "2 stored articles of the last 30 days match") {
		t.Fatalf("search replied:\n%s", r.Text)
	}
	first, second := strings.Index(r.Text, "Meldung 2"), strings.Index(r.Text, "Meldung 1")
	if first < 0 || second < 0 || first > second || strings.Contains(r.Text, "Meldung 0") {
		t.Errorf("search lists the wrong articles:\n%s", r.Text)
	}
	if !strings.Contains(r.Text, "<"+site.URL+"/m/") {
		t.Errorf("search results are not links:\n%s", r.Text)
	}
	if r := a.Command(ctx, Command{Text: "search Fußball"}); !strings.Contains(r.Text, "No stored article of the last 30 days matches `Fußball`") {
		t.Errorf("search without a hit replied:\n%s", r.Text)
	}
	// What the reply quotes of the query is text: no mention in it pings.
	if r := a.Command(ctx, Command{Text: "search &lt;!channel&gt;"}); strings.Contains(r.Text, "<!channel>") {
		t.Errorf("search quoted a live mention:\n%s", r.Text)
	}
}

// check reads a page a user gives as newsbot check does, but never from a
// private or loopback address, even where http.allow_private_networks
// lets the config's sources reach one: a link from Slack is anyone's.
func TestCheckCommand(t *testing.T) {
	a, site, _ := newTestApp(t, "@hourly")
	ctx := context.Background()
	syrienFeed(site, 1)
	for _, allowPrivate := range []bool{false, true} {
		a.fetcher.AllowPrivate = allowPrivate
		r := a.Command(ctx, Command{Text: "check <" + site.URL + "/m/0.html>"})
		if !strings.Contains(r.Text, "could not read that page: it is on a private or local network address") {
			t.Errorf("allow_private_networks: %v: check of a loopback page replied:\n%s", allowPrivate, r.Text)
		}
	}
	if site.Hits("/m/0.html") != 0 {
		t.Errorf("the loopback page was fetched")
	}
	// A public page is read; here, the test site's loopback counts as one.
	a.fetcher.AllowPrivate = false
	a.fetcher.Public = func(netip.Addr) bool { return true }
	r := a.Command(ctx, Command{Text: "check <" + site.URL + "/m/0.html|the article>"})
	for _, want := range []string{"```URL:", "Title:  Syrien: Meldung 0", "Watcher nahost matches: Syrien"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("check replied without %q:\n%s", want, r.Text)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if r := a.Command(ctx, Command{Text: "check " + srv.URL + "/gone.html"}); !strings.Contains(r.Text, "the site answered 404") {
		t.Errorf("check of a missing page replied:\n%s", r.Text)
	}
	// Slack escapes & in a command's text: the page asked for is the one
	// the user gave.
	var query string
	q := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		fmt.Fprint(w, `<html><body><article><h1>Syrien</h1><p>Ein Bericht über Syrien und die Lage dort, mit genug Text für einen Artikel.</p></article></body></html>`)
	}))
	defer q.Close()
	r = a.Command(ctx, Command{Text: "check <" + q.URL + "/a.html?id=7&amp;ref=rss>"})
	if query != "id=7&ref=rss" {
		t.Errorf("check asked for the query %q, want id=7&ref=rss", query)
	}
	// The page's text is quoted as text: a page can't ping the channel.
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<html><body><article><h1>&lt;!channel&gt; Syrien</h1><p>Ein Bericht &lt;!here&gt; über Syrien und die Lage dort, mit genug Text für einen Artikel.</p></article></body></html>`)
	}))
	defer hostile.Close()
	r = a.Command(ctx, Command{Text: "check " + hostile.URL})
	if !strings.Contains(r.Text, "&lt;!channel&gt; Syrien") || strings.Contains(r.Text, "<!") {
		t.Errorf("check of a hostile page replied:\n%s", r.Text)
	}
}

// /newsbot status says why a failing source fails.
func TestStatusSaysWhySourcesFail(t *testing.T) {
	a, site, _ := newTestApp(t, "@hourly")
	ctx := context.Background()
	site.Set("/rss/politik.xml", "<!-- moved -->")
	a.Tick(ctx, a.watchers, &pipeline.Stats{})
	status := a.Command(ctx, Command{Text: "status", UserID: "U1", UserName: "anna"}).Text
	if !strings.Contains(status, "1 failed check in a row") || !strings.Contains(status, "not a feed: the document is empty") {
		t.Errorf("status does not say why the source fails:\n%s", status)
	}
}

package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
)

// The end-to-end tests run the newsbot command as a user does, against the
// project's own news site (testdata/site, see its README) and a fake Slack.

const e2eConfig = `
storage: {{DB}}
first_run: {{FIRST_RUN}}
timezone: Europe/Berlin
slack:
  token: {{TOKEN}}
  api_url: {{SLACK}}
  channel: "#news"
  pace: 10ms
http:
  host_interval: 0s   # one local host serves everything; pacing has its own test
sources:
  - name: rundschau
    url: {{BASE}}/rss/politik.xml
  - name: rundschau-politik
    url: {{BASE}}/politik/
    links: "a.js-hlp"
  - name: world
    url: {{BASE}}/atom/world.xml
watchers:
  - name: nahost
    schedule: "*/5 * * * *"
    sources: [rundschau, rundschau-politik, world]
    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"
  - name: macron
    schedule: "@every 10m"
    sources: [rundschau, rundschau-politik]
    keywords: [Emmanuel Macron, Macron]
  - name: liga
    schedule: "@hourly"
    sources: [rundschau]
    keywords: [Bundesliga]
  - name: duerre
    schedule: "@hourly"
    sources: [rundschau, rundschau-politik]
    keywords: [Dürre]
    exclude: [Fußball]
    channel: "#klima"
`

type env struct {
	t      *testing.T
	site   *testsite.Site
	slack  *fakeslack.Server
	config string
}

func newEnv(t *testing.T, firstRun string, token string) *env {
	t.Helper()
	e := &env{t: t, site: testsite.Serve(t, "testdata/site"), slack: fakeslack.New(t)}
	cfg := strings.NewReplacer(
		"{{DB}}", filepath.Join(t.TempDir(), "newsbot.db"),
		"{{FIRST_RUN}}", firstRun,
		"{{TOKEN}}", token,
		"{{SLACK}}", e.slack.APIURL(),
		"{{BASE}}", e.site.URL,
	).Replace(e2eConfig)
	e.config = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(e.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// newsbot runs the command and returns its exit code, stdout and stderr.
func (e *env) newsbot(args ...string) (int, string, string) {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func (e *env) once(args ...string) string {
	e.t.Helper()
	code, stdout, stderr := e.newsbot(append([]string{"once", "--config", e.config}, args...)...)
	if code != 0 {
		e.t.Fatalf("newsbot once exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	return stdout + stderr
}

func (e *env) url(p string) string { return e.site.URL + p }

// bareEnv is an env for a test's own news site: a config with a store in
// a temporary folder, a fake Slack (its "#c" channel, 10 ms apart), no
// pause between requests to a host, and first_run: alert, followed by
// body (sources and watchers, and any other key).
func bareEnv(t *testing.T, body string) *env {
	t.Helper()
	slack := fakeslack.New(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	head := fmt.Sprintf("storage: %s\nslack: {token: xoxb-c, api_url: %q, channel: \"#c\", pace: 10ms}\nhttp: {host_interval: 0s}\n",
		filepath.Join(dir, "newsbot.db"), slack.APIURL())
	if !strings.Contains(body, "first_run:") {
		head += "first_run: alert\n"
	}
	if err := os.WriteFile(cfg, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, slack: slack, config: cfg}
}

// edit replaces old by new in the config file; a test whose edit finds
// nothing to replace would test the unedited config, so it fails.
func (e *env) edit(old, new string) string {
	e.t.Helper()
	b, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		e.t.Fatalf("config has no %q to edit", old)
	}
	c := strings.Replace(string(b), old, new, 1)
	if err := os.WriteFile(e.config, []byte(c), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// Phrases of the pages' chrome that must never reach an alert
// (testdata/site/README.md lists them).
var chrome = []string{
	"Weitere Themen", "Topmeldungen", "Newsletter", "Leserkommentare", "Most read",
	"More from Europe", "Impressum", "Datenschutz", "Rundschau-Morgenbrief", "Ihre E-Mail-Adresse",
	"Alle Rechte vorbehalten", "Streiktag gegen Macrons Rentenpläne",
	"Dürre am Rhein", "Bundesliga", "Trainerwechsel", "Hanne K.",
}

func TestEndToEnd(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	out := e.once()

	byWatcher := map[string][]fakeslack.Message{}
	for _, m := range e.slack.Messages() {
		w, _ := m.Metadata["event_payload"].(map[string]any)["watcher"].(string)
		byWatcher[w] = append(byWatcher[w], m)
	}
	links := func(ms []fakeslack.Message) []string {
		var ls []string
		for _, m := range ms {
			link := regexp.MustCompile(`<(http[^|>]+)\|`).FindStringSubmatch(m.BlockText())
			if link == nil {
				t.Fatalf("alert without a link to the article: %s", m.BlockText())
			}
			ls = append(ls, strings.ReplaceAll(link[1], "&amp;", "&"))
		}
		sort.Strings(ls)
		return ls
	}

	syria := e.url("/politik/ausland/syrien-waffenruhe-idlib-4711.html")
	want := []string{
		e.url("/en/un-report-syria-aid.html"),
		syria,
		e.url("/plus/is-kaempfer-prozess-koblenz.html"),
	}
	sort.Strings(want)
	if got := links(byWatcher["nahost"]); !equal(got, want) {
		t.Errorf("nahost alerted on\n %q\nwant (one alert each, canonical URLs)\n %q\nlog:\n%s", got, want, out)
	}
	if got, want := links(byWatcher["macron"]), []string{e.url("/politik/ausland/macron-reform-rente.html")}; !equal(got, want) {
		t.Errorf("macron alerted on %q, want %q", got, want)
	}
	if n := len(byWatcher["liga"]); n != 0 {
		t.Errorf("liga alerted %d times; Bundesliga stands only in a reader comment", n)
	}
	if n := len(byWatcher["duerre"]); n != 0 {
		t.Errorf("duerre alerted %d times; its only match mentions Fußball, which it excludes", n)
	}

	for _, m := range e.slack.Messages() {
		w := m.Metadata["event_payload"].(map[string]any)["watcher"]
		wantChannel := map[any]string{"nahost": "#nahost", "macron": "#news"}[w]
		if m.Channel != wantChannel {
			t.Errorf("alert of %v went to %q, want %q", w, m.Channel, wantChannel)
		}
		if m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
			t.Errorf("unfurling not turned off: links=%q media=%q", m.UnfurlLinks, m.UnfurlMedia)
		}
		if m.Metadata["event_type"] != "newsbot_alert" {
			t.Errorf("metadata = %v, want event_type newsbot_alert", m.Metadata)
		}
		if m.Text == "" {
			t.Error("alert has no fallback text")
		}
		if m.Token != "xoxb-test-token" {
			t.Errorf("token = %q", m.Token)
		}
		others := chrome
		if w != "macron" { // the Macron article's own headline stands in the other pages' sidebars
			others = append(others, "Macron will Rentenreform nachbessern")
		}
		for _, c := range others {
			if strings.Contains(m.BlockText(), c) {
				t.Errorf("alert of %v carries page chrome %q:\n%s", w, c, m.BlockText())
			}
		}
	}

	// The Syria alert: summary from the teaser and the sentences that carry
	// the match, the matched words in bold, and the context line.
	for _, m := range byWatcher["nahost"] {
		text := m.BlockText()
		if !strings.Contains(text, syria) {
			continue
		}
		for _, s := range []string{
			"Im Nordwesten von *Syrien* gilt seit Sonntag eine brüchige Waffenruhe.",
			"„Islamischen Staat“ (*IS*)",
			"matched: Syrien (title, teaser, body), IS (body)", // why it matched, and where
			"rundschau",
		} {
			if !strings.Contains(text, s) {
				t.Errorf("Syria alert lacks %q:\n%s", s, text)
			}
		}
	}
	// The paywalled article is matched on the feed's description.
	for _, m := range byWatcher["nahost"] {
		if strings.Contains(m.BlockText(), "koblenz") && !strings.Contains(m.BlockText(), "Terrormiliz *IS*") {
			t.Errorf("paywalled alert should summarize the feed's description:\n%s", m.BlockText())
		}
	}
	if !strings.Contains(out, "4 alerts sent") {
		t.Errorf("the run's last line should count 4 alerts sent:\n%s", out)
	}

	// A second run, and a restart (each run opens the store anew), alert
	// nothing again.
	before := len(e.slack.Messages())
	e.once()
	e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()) - before; n != 0 {
		t.Errorf("second run sent %d alerts, want none", n)
	}

	// A new article appears in the feed; only it is alerted, and a hostile
	// headline cannot ping the channel.
	feed, err := os.ReadFile("testdata/site/rss/politik.xml")
	if err != nil {
		t.Fatal(err)
	}
	item := `<item><title>&lt;!channel&gt; Syrien &amp; &lt;Co&gt;: Neue Gespräche</title>
<link>{{BASE}}/politik/ausland/syrien-gespraeche.html</link><guid>rr-9999</guid>
<description>In Genf beginnen neue Gespräche über Syrien.</description></item>`
	e.site.Set("/rss/politik.xml", strings.Replace(string(feed), "<item>", item+"<item>", 1))
	e.site.Fail("/politik/ausland/syrien-gespraeche.html", 404)
	e.once()
	fresh := e.slack.Messages()[before:]
	if len(fresh) != 1 {
		t.Fatalf("after a new item, %d alerts were sent, want 1", len(fresh))
	}
	if got := fresh[0].BlockText() + fresh[0].Text; strings.Contains(got, "<!channel>") || !strings.Contains(got, "&lt;!channel&gt; Syrien &amp; &lt;Co&gt;") {
		t.Errorf("a page's text must be escaped in an alert:\n%s", got)
	}
}

func TestFirstRunSkipRecordsWithoutAlerting(t *testing.T) {
	e := newEnv(t, "skip", "xoxb-test-token")
	out := e.once()
	if n := len(e.slack.Messages()); n != 0 {
		t.Errorf("first run with first_run: skip sent %d alerts", n)
	}
	if !strings.Contains(out, "recorded without alerts") {
		t.Errorf("the run should say it recorded items without alerting:\n%s", out)
	}
	e.once()
	if n := len(e.slack.Messages()); n != 0 {
		t.Errorf("second run sent %d alerts for items recorded on the first", n)
	}
}

func TestNoTokenPrintsAlerts(t *testing.T) {
	e := newEnv(t, "alert", "")
	code, stdout, stderr := e.newsbot("once", "--config", e.config, "--watcher", "macron")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"macron → #news", "Macron", e.url("/politik/ausland/macron-reform-rente.html"), "matched: "} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	if len(e.slack.Messages()) != 0 {
		t.Error("with no token nothing may reach Slack")
	}
	if !strings.Contains(stderr, "1 alert sent") {
		t.Errorf("stderr should end with the run's line:\n%s", stderr)
	}
}

func TestDeadSourceAndRefusedChannelDoNotStopOthers(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.site.Fail("/atom/world.xml", 500)
	e.slack.Refuse["#nahost"] = "channel_not_found"
	out := e.once()
	var macron int
	for _, m := range e.slack.Messages() {
		if m.Channel == "#news" {
			macron++
		}
	}
	if macron != 1 {
		t.Errorf("macron alerts = %d, want 1 despite the dead source and the refused channel\n%s", macron, out)
	}
	for _, s := range []string{"source=world", "500", "channel_not_found", "channel=#nahost"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %q:\n%s", s, out)
		}
	}
	// Parked alerts are not retried on the next run.
	before := len(e.slack.Messages())
	delete(e.slack.Refuse, "#nahost")
	e.once()
	if n := len(e.slack.Messages()) - before; n != 0 {
		t.Errorf("parked alerts were sent again (%d)", n)
	}
}

func TestSlackOutageKeepsAlertsPending(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.slack.FailNext = 1000
	out := e.once("--watcher", "macron", "--timeout", "1s")
	if !strings.Contains(out, "1 pending") || !strings.Contains(out, "gave up delivering after 1s") {
		t.Errorf("an alert Slack could not take should stay pending:\n%s", out)
	}
	e.slack.FailNext = 0
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("after Slack came back, %d alerts were sent, want the 1 pending", n)
	}
}

func TestCheckJSON(t *testing.T) {
	e := newEnv(t, "alert", "")
	code, stdout, stderr := e.newsbot("check", "--config", e.config, e.url("/politik/ausland/syrien-waffenruhe-idlib-4711.html?utm_source=x"), "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		URL, Title, Teaser, Text, Lang string
		Matches                        []struct {
			Watcher string
			Terms   []string
			Fields  map[string][]string
			Summary string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, stdout)
	}
	if res.URL != e.url("/politik/ausland/syrien-waffenruhe-idlib-4711.html") || res.Lang != "de" ||
		!strings.Contains(res.Title, "Waffenruhe in Idlib") || !strings.HasPrefix(res.Teaser, "Im Nordwesten von Syrien") {
		t.Errorf("check gave url=%q lang=%q title=%q teaser=%q", res.URL, res.Lang, res.Title, res.Teaser)
	}
	if !strings.Contains(res.Text, "Für die Menschen in Idlib zählt zunächst etwas anderes.") {
		t.Errorf("text lacks the last paragraph:\n%s", res.Text)
	}
	for _, c := range chrome {
		if strings.Contains(res.Text, c) {
			t.Errorf("extracted text carries chrome %q", c)
		}
	}
	if len(res.Matches) != 1 || res.Matches[0].Watcher != "nahost" || !equal(res.Matches[0].Terms, []string{"Syrien", "IS"}) {
		t.Errorf("matches = %+v, want nahost with [Syrien IS]", res.Matches)
	} else if f := res.Matches[0].Fields; !equal(f["Syrien"], []string{"title", "teaser", "body"}) || !equal(f["IS"], []string{"body"}) {
		t.Errorf("fields = %v, want Syrien in title, teaser and body, IS in the body", f)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "c.yaml")
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	good := write(`sources: [{name: a, url: "https://example.org/feed"}]
watchers: [{name: w, schedule: "@hourly", sources: [a], keywords: [x], channel: "#c"}]`)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"validate", "--config", good}, &stdout, &stderr); code != 0 {
		t.Fatalf("valid config: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	bad := write(`storage: x.db
sources:
  - name: a
    url: https://example.org/feed
    colour: blue
  - name: a
    url: example.org
watchers:
  - name: w
    schedule: "*/5 * * *"
    sources: [a, b]
    keywords: []
  - name: w
    schedule: "@every 2m"
    sources: [a]
    keywords: [Sy*rien]
`)
	stdout.Reset()
	stderr.Reset()
	code := run([]string{"validate", "--config", bad}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("invalid config: exit 0")
	}
	got := stderr.String()
	for _, want := range []string{
		bad + `:5:5: sources[a].colour: unknown key "colour"`,
		bad + `:6:11: sources[1].name: duplicate source name "a"`,
		bad + `:7:10: sources[1].url: must be an absolute http(s) URL`,
		bad + `:10:15: watchers[w].schedule: invalid schedule`,
		bad + `:11:18: watchers[w].sources[1]: unknown source "b"`,
		bad + `:12:15: watchers[w].keywords: empty`,
		bad + `:16:16: watchers[1].keywords[0]: keyword "Sy*rien": * may only start or end a keyword`,
		bad + `:9:5: watchers[w].channel: missing, and slack.channel gives no default`,
		bad + `:13:11: watchers[1].name: duplicate watcher name "w"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("validate output lacks %q:\n%s", want, got)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if !regexp.MustCompile(`^.+:\d+:\d+: [\w\[\].#-]+: .+$`).MatchString(line) {
			t.Errorf("line not in the form FILE:LINE:COL: field: message: %q", line)
		}
	}
	if code, _, stderr := (&env{t: t}).newsbot("once", "--config", bad); code == 0 || !strings.Contains(stderr, "unknown key") {
		t.Errorf("once with an invalid config: exit %d, stderr %q", code, stderr)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An article already alerted that comes back under another link (its
// rel=canonical, or a redirect, says it is the same) is not alerted again.
func TestSameArticleUnderAnotherLinkAlertsOnce(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Fatalf("first run: %d alerts, want 1", n)
	}
	page, err := os.ReadFile("testdata/site/politik/ausland/macron-reform-rente.html")
	if err != nil {
		t.Fatal(err)
	}
	// The same page, reached from the homepage with a campaign parameter
	// that is not a known tracking one.
	e.site.Set("/macron-homepage.html", string(page))
	feed, _ := os.ReadFile("testdata/site/rss/politik.xml")
	item := `<item><title>Macron will nachbessern</title><link>{{BASE}}/macron-homepage.html?ref=home</link><guid>x1</guid></item>`
	e.site.Set("/rss/politik.xml", strings.Replace(string(feed), "<item>", item+"<item>", 1))
	out := e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("the same article under another link was alerted again (%d alerts)\n%s", n, out)
	}
}

// Two processes on one store (a `once` beside the daemon) never send the
// same alert twice.
func TestTwoProcessesSendEachAlertOnce(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.slack.FailNext = 1000 // record the alerts, but leave them pending
	e.once("--timeout", "0s")
	e.slack.FailNext = 0
	done := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			var out, errOut bytes.Buffer
			run([]string{"once", "--config", e.config, "--watcher", "liga"}, &out, &errOut)
		}()
	}
	<-done
	<-done
	seen := map[string]int{}
	for _, m := range e.slack.Messages() {
		seen[m.Text]++
	}
	if len(seen) != 4 {
		t.Errorf("%d distinct alerts sent, want the 4 pending", len(seen))
	}
	for text, n := range seen {
		if n > 1 {
			t.Errorf("alert sent %d times: %s", n, text)
		}
	}
}

// A refused token stops all sending and loses nothing: once the token is
// fixed, the alerts go out.
func TestInvalidTokenKeepsAlertsPending(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.slack.Refuse["#news"] = "invalid_auth"
	e.slack.Refuse["#nahost"] = "invalid_auth"
	out := e.once()
	if !strings.Contains(out, "stopping all sending") || !strings.Contains(out, "4 pending") {
		t.Errorf("a refused token should stop sending and keep the 4 alerts pending:\n%s", out)
	}
	e.slack.Refuse = map[string]string{}
	e.once()
	if n := len(e.slack.Messages()); n != 4 {
		t.Errorf("after the token was fixed %d alerts were sent, want 4", n)
	}
}

// An article page that fails with a passing error (a 503) is tried again
// on the next checks, and its text matched once it answers; only when it
// keeps failing does newsbot match the feed's text instead.
func TestTransientArticleFailureRetried(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	// "Rentenreform" stands in the Macron article's body, not in the feed.
	e.edit("keywords: [Emmanuel Macron, Macron]", "keywords: [Rentenreform]")
	e.site.Fail("/politik/ausland/macron-reform-rente.html", 503)
	out := e.once("--watcher", "macron")
	if len(e.slack.Messages()) != 0 || !strings.Contains(out, "will try again") {
		t.Fatalf("a 503 article should be left for the next check:\n%s", out)
	}
	e.site.Fail("/politik/ausland/macron-reform-rente.html", 0)
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("once the page answered, %d alerts, want 1", n)
	}
}

func TestMaxAge(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("timezone:", "max_age: 24h\ntimezone:")
	out := e.once()
	// Every article of the test site is from 2025, and the paywalled one
	// too: none is alerted, and none is fetched.
	if n := len(e.slack.Messages()); n != 0 {
		t.Errorf("max_age 24h: %d alerts on articles from 2025\n%s", n, out)
	}
	if n := e.site.Hits("/politik/ausland/syrien-waffenruhe-idlib-4711.html"); n != 0 {
		t.Errorf("an article past max_age (by its feed date) was fetched %d times", n)
	}
}

// A section page's link to a page that is no article (a newsletter form)
// alerts on nothing, whatever its link text says.
func TestLinkToNonArticleNotAlerted(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.site.Set("/politik/", `<html><body><main>
<h2><a class="js-hlp" href="/newsletter.html">Newsletter: Alles zu Syrien und dem IS</a></h2>
</main></body></html>`)
	e.site.Set("/newsletter.html", `<html lang="de"><body><nav><a href="/">Start</a> <a href="/nahost">Nahost: Syrien, IS</a></nav>
<main><h1>Newsletter abonnieren</h1><form><label>E-Mail</label><input name="m"><button>Abonnieren</button></form></main></body></html>`)
	out := e.once("--watcher", "nahost")
	for _, m := range e.slack.Messages() {
		if strings.Contains(m.BlockText(), "newsletter.html") {
			t.Errorf("a newsletter form was alerted:\n%s\n%s", m.BlockText(), out)
		}
	}
}

// An article whose page failed with a passing error, and that then leaves
// the feed, is not lost: its feed text is matched on the next check.
func TestHeldBackItemNotLostWhenFeedDropsIt(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.site.Fail("/politik/ausland/macron-reform-rente.html", 503)
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 0 {
		t.Fatalf("%d alerts while the page answered 503, want it held back", n)
	}
	feed, _ := os.ReadFile("testdata/site/rss/politik.xml")
	i := strings.Index(string(feed), "<item>\n    <title>Frankreich")
	if i < 0 {
		i = strings.Index(string(feed), "macron-reform-rente") // find the Macron item
		i = strings.LastIndex(string(feed[:i]), "<item>")
	}
	j := strings.Index(string(feed[i:]), "</item>") + i + len("</item>")
	e.site.Set("/rss/politik.xml", string(feed[:i])+string(feed[j:]))
	e.site.Set("/politik/", `<html><body><a class="js-hlp" href="ausland/syrien-waffenruhe-idlib-4711.html">Syrien</a></body></html>`)
	out := e.once("--watcher", "macron")
	msgs := e.slack.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].BlockText(), "macron-reform-rente") || !strings.Contains(msgs[0].BlockText(), "page unavailable") {
		t.Fatalf("after the feed dropped the held-back item: %d alerts, want 1 from the feed's text\n%s", len(msgs), out)
	}
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("the released item was alerted again (%d alerts)", n)
	}
}

// A watcher with a query and a synonym set, as a press office writes them.
func TestQueryWatcher(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	cfg, _ := os.ReadFile(e.config)
	c := strings.Replace(string(cfg), "sources:\n", `synonyms:
  syrien: [Syrien, Syria, "Arabische Republik Syrien"]
sources:
`, 1) + `  - name: anfrage
    schedule: "@hourly"
    sources: [rundschau, world]
    query: '@syrien AND (title:Waffenruhe OR "Islamic State" OR UN NEAR/3 report) -Macron'
    channel: "#anfrage"
`
	os.WriteFile(e.config, []byte(c), 0o644)
	out := e.once("--watcher", "anfrage")
	var got []string
	for _, m := range e.slack.Messages() {
		got = append(got, m.BlockText())
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got, ""), "syrien-waffenruhe-idlib-4711.html") || !strings.Contains(strings.Join(got, ""), "un-report-syria-aid.html") {
		t.Fatalf("query alerts:\n%s\nwant the Syria article and the UN report\n%s", strings.Join(got, "\n"), out)
	}
	if !strings.Contains(strings.Join(got, ""), "Waffenruhe (title)") {
		t.Errorf("the alert should say Waffenruhe matched in the title:\n%s", strings.Join(got, "\n"))
	}

	// A broken query: its place in the YAML and in the query.
	os.WriteFile(e.config, []byte(strings.Replace(c, "(title:Waffenruhe", "((title:Waffenruhe", 1)), 0o644)
	code, _, stderr := e.newsbot("validate", "--config", e.config)
	if code == 0 || !regexp.MustCompile(`config.yaml:\d+:12: watchers\[anfrage\].query: unbalanced parenthesis at 13`).MatchString(stderr) {
		t.Errorf("validate of a broken query: exit %d\n%s", code, stderr)
	}
}

func TestScan(t *testing.T) {
	e := newEnv(t, "alert", "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notiz.txt"), []byte("Ein Text über Syrien.\n\nUnd über den IS."), 0o644)
	os.WriteFile(filepath.Join(dir, "leer.txt"), []byte("Nichts von Belang."), 0o644)

	code, stdout, stderr := e.newsbot("scan", "--config", e.config, "--json", "testdata/site/politik/ausland", "testdata/site/en", "testdata/site/gesellschaft/hitzesommer-duerre.html", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	type hit struct {
		Path, Watcher string
		Terms, Fields []string
	}
	var hits []hit
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var h hit
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatalf("not one JSON object a line: %q", line)
		}
		hits = append(hits, h)
	}
	want := map[string]string{
		"testdata/site/politik/ausland/syrien-waffenruhe-idlib-4711.html nahost": "Syrien,IS body,title,teaser",
		"testdata/site/en/un-report-syria-aid.html nahost":                       "IS",
		"testdata/site/politik/ausland/macron-reform-rente.html macron":          "Emmanuel Macron,Macron",
		filepath.Join(dir, "notiz.txt") + " nahost":                              "Syrien,IS body",
	}
	got := map[string]bool{}
	for _, h := range hits {
		key := h.Path + " " + h.Watcher
		got[key] = true
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected hit %+v", h)
		}
	}
	for key := range want {
		if !got[key] {
			t.Errorf("missing hit %s\n%s", key, stdout)
		}
	}

	// An ad-hoc query needs no config.
	code, stdout, stderr = (&env{t: t}).newsbot("scan", "--query", `title:Waffenruhe AND Syrien NEAR/3 Idlib`, "testdata/site")
	if code != 0 || strings.TrimSpace(stdout) != "testdata/site/politik/ausland/syrien-waffenruhe-idlib-4711.html\tquery\tWaffenruhe, Syrien, Idlib\ttitle" {
		t.Errorf("ad-hoc query: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Nothing matching is still a scan that ran.
	if code, _, stderr := (&env{t: t}).newsbot("scan", "--query", "Grönland", "testdata/site"); code != 0 || !strings.Contains(stderr, "0 matches") {
		t.Errorf("a scan without matches: exit %d, %s", code, stderr)
	}
}

// stem: true finds the inflected forms, in the article's language.
func TestStemWatcher(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`slack: {channel: "#news"}
sources: [{name: a, url: "https://rr.example/rss"}]
watchers:
  - {name: exakt, schedule: "@hourly", sources: [a], keywords: [Syrien, Flüchtling]}
  - {name: stamm, schedule: "@hourly", sources: [a], keywords: [Syrien, Flüchtling], stem: true}
`), 0o644)
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="de"><body><article><h1>Die Lage Syriens</h1>
<p>Die Zahl der Fluechtlinge aus dem Norden des Landes ist in den vergangenen Wochen stark gestiegen, sagen Helfer.</p>
<p>Die Vereinten Nationen fordern mehr Geld für die Versorgung der Menschen in den Lagern an der Grenze.</p></article></body></html>`), 0o644)
	code, stdout, stderr := (&env{t: t}).newsbot("check", "--config", cfg, "--json", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Matches []struct {
			Watcher string
			Terms   []string
		}
	}
	json.Unmarshal([]byte(stdout), &res)
	if len(res.Matches) != 1 || res.Matches[0].Watcher != "stamm" || !equal(res.Matches[0].Terms, []string{"Syrien", "Flüchtling"}) {
		t.Errorf("matches = %+v, want only the stemming watcher, with both terms", res.Matches)
	}
}

// A keyword that is also a class name or an attribute of the page's
// markup never matches the markup.
func TestMarkupNotMatched(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`slack: {channel: "#news"}
sources: [{name: a, url: "https://rr.example/rss"}]
watchers:
  - {name: w, schedule: "@hourly", sources: [a], keywords: [syrien, IS, teaser, article]}
`), 0o644)
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="de"><head><meta name="keywords" content="syrien, IS"></head>
<body class="syrien"><article class="article syrien" id="IS" data-topic="syrien">
<h1 class="IS">Die Lage im Land</h1><p class="teaser">Die Zahl der Menschen auf der Flucht ist in den vergangenen Wochen stark gestiegen, sagen Helfer.</p>
<p title="syrien">Die Vereinten Nationen fordern mehr Geld für die Versorgung der Menschen in den Lagern an der Grenze.</p>
<img alt="" src="/img/syrien.jpg"></article></body></html>`), 0o644)
	code, stdout, stderr := (&env{t: t}).newsbot("check", "--config", cfg, "--json", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"matches": []`) {
		t.Errorf("markup matched:\n%s", stdout)
	}
}

// Each channel gets at most one message a second (slack.pace), so that
// Slack's rate limit is the exception; other channels do not wait.
func TestPacing(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("pace: 10ms", "pace: 300ms")
	e.once("--watcher", "nahost")
	var last time.Time
	n := 0
	for _, m := range e.slack.Messages() {
		if m.Channel != "#nahost" {
			continue
		}
		if n > 0 && m.At.Sub(last) < 290*time.Millisecond {
			t.Errorf("two messages to #nahost %v apart, want at least the pace of 300ms", m.At.Sub(last))
		}
		last = m.At
		n++
	}
	if n != 3 {
		t.Errorf("%d alerts to #nahost, want 3", n)
	}
}

// mention and mention_on: an alert notifies whom the watcher names, and
// only for the terms it names.
func TestMentions(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	cfg, _ := os.ReadFile(e.config)
	c := strings.Replace(string(cfg), `    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"`, `    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"
    mention: ["@here", U0123ABC, "<!subteam^S42>"]
    mention_on: [Syrien]`, 1)
	os.WriteFile(e.config, []byte(c), 0o644)
	e.once("--watcher", "nahost")
	for _, m := range e.slack.Messages() {
		syria := strings.Contains(m.BlockText(), "Syrien") && strings.Contains(m.BlockText(), "matched: Syrien")
		mentioned := strings.HasPrefix(m.Text, "<!here> <@U0123ABC> <!subteam^S42> ") && strings.Contains(m.BlockText(), "<!here> <@U0123ABC> <!subteam^S42> *<")
		if syria != mentioned {
			t.Errorf("matched Syrien: %v, mentions: %v\n%s\n%s", syria, mentioned, m.Text, m.BlockText())
		}
	}
	os.WriteFile(e.config, []byte(strings.Replace(c, "U0123ABC", "someone", 1)), 0o644)
	if code, _, stderr := e.newsbot("validate", "--config", e.config); code == 0 || !strings.Contains(stderr, `watchers[nahost].mention[1]: "someone" is not a mention`) {
		t.Errorf("validate of a bad mention: exit %d, %s", code, stderr)
	}
}

// once waits out a short Slack outage: it returns when every alert is
// sent, not with alerts left pending.
func TestOnceWaitsOutShortOutage(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.slack.FailNext = 3 // one delivery's three tries
	out := e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 || strings.Contains(out, "pending") {
		t.Errorf("after a short outage once sent %d alerts, want 1 and none pending\n%s", n, out)
	}
}

// The ops channel hears about an alert that cannot be delivered.
func TestOpsChannelHearsAboutParkedAlerts(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("  pace: 10ms\n", "  pace: 10ms\n  ops_channel: \"#ops\"\n")
	e.slack.Refuse["#news"] = "not_in_channel"
	e.once("--watcher", "macron")
	var ops []string
	for _, m := range e.slack.Messages() {
		if m.Channel == "#ops" {
			ops = append(ops, m.Text)
		}
	}
	if len(ops) != 1 || !strings.Contains(ops[0], "macron") || !strings.Contains(ops[0], "#news") || !strings.Contains(ops[0], "not_in_channel") {
		t.Errorf("ops channel got %q, want one notice naming the watcher, the channel and the reason", ops)
	}
}

// During a watcher's quiet hours its alerts wait; once does not wait for
// them, and says how many are held.
func TestQuietHours(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	quiet := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	e.edit("    keywords: [Emmanuel Macron, Macron]", "    keywords: [Emmanuel Macron, Macron]\n    quiet: \""+quiet+"\"")
	start := time.Now()
	out := e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 0 || !strings.Contains(out, "1 held for quiet hours") {
		t.Errorf("during quiet hours %d alerts were sent, want none held back\n%s", n, out)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("once waited for an alert held for quiet hours")
	}
}

// A process killed between Slack's answer and the store's commit leaves
// its alert claimed; the next one finds the message in the channel's
// history (by its metadata) and records it instead of posting it again.
func TestInterruptedAlertNotPostedTwice(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Fatalf("%d alerts, want 1", n)
	}
	// Make the store look as it does after such a kill: the alert claimed
	// long ago, never marked sent.
	db := regexp.MustCompile(`storage: (.*)`).FindStringSubmatch(func() string { b, _ := os.ReadFile(e.config); return string(b) }())[1]
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE alerts SET status = 'sending', claimed_at = 1, ts = ''`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	out := e.once("--watcher", "macron")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("the interrupted alert was posted again (%d messages)\n%s", n, out)
	}
	if !strings.Contains(out, "alert was posted before, though no answer said so") {
		t.Errorf("the log should say the alert was found in the channel:\n%s", out)
	}
}

// A source that keeps failing is reported to the ops channel once, after
// three checks in a row, and once again when it answers.
func TestSourceHealthToOps(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("  pace: 10ms\n", "  pace: 10ms\n  ops_channel: \"#ops\"\n")
	e.site.Fail("/atom/world.xml", 503)
	ops := func() []string {
		var out []string
		for _, m := range e.slack.Messages() {
			if m.Channel == "#ops" {
				out = append(out, m.Text)
			}
		}
		return out
	}
	for i := 0; i < 5; i++ {
		e.once("--watcher", "nahost")
	}
	if got := ops(); len(got) != 1 || !strings.Contains(got[0], "source world") || !strings.Contains(got[0], "3 checks in a row") {
		t.Fatalf("after five failed checks ops heard %q, want one notice", got)
	}
	e.site.Fail("/atom/world.xml", 0)
	e.once("--watcher", "nahost")
	e.once("--watcher", "nahost")
	if got := ops(); len(got) != 2 || !strings.Contains(got[1], "source world") || !strings.Contains(got[1], "answers again") {
		t.Errorf("after it recovered ops heard %q, want one more notice", got)
	}
}

// newsbot version names the version and the Go it was built with, from
// the binary's build information.
func TestVersion(t *testing.T) {
	e := &env{t: t}
	code, stdout, _ := e.newsbot("version")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || lines[0] != "newsbot "+app.Version || !strings.HasPrefix(lines[len(lines)-1], "go        go1.") {
		t.Errorf("newsbot version: %d\n%s", code, stdout)
	}
}

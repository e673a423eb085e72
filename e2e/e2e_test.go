package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/blockkit"
	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testenv"
)

func TestEndToEnd(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	out := e.Once()

	byWatcher := map[string][]fakeslack.Message{}
	for _, m := range e.Slack.Messages() {
		w, _ := m.Metadata["event_payload"].(map[string]any)["watcher"].(string)
		byWatcher[w] = append(byWatcher[w], m)
	}
	syria := e.URL("/politik/ausland/syrien-waffenruhe-idlib-4711.html")
	want := []string{
		e.URL("/en/un-report-syria-aid.html"),
		syria,
		e.URL("/plus/is-kaempfer-prozess-koblenz.html"),
	}
	sort.Strings(want)
	if got := links(t, byWatcher["nahost"]); !slices.Equal(got, want) {
		t.Errorf("nahost alerted on\n %q\nwant (one alert each, canonical URLs)\n %q\nlog:\n%s", got, want, out)
	}
	if got, want := links(t, byWatcher["macron"]), []string{e.URL("/politik/ausland/macron-reform-rente.html")}; !slices.Equal(got, want) {
		t.Errorf("macron alerted on %q, want %q", got, want)
	}
	if n := len(byWatcher["liga"]); n != 0 {
		t.Errorf("liga alerted %d times; Bundesliga stands only in a reader comment", n)
	}
	if n := len(byWatcher["duerre"]); n != 0 {
		t.Errorf("duerre alerted %d times; its only match mentions Fußball, which it excludes", n)
	}
	for _, m := range e.Slack.Messages() {
		checkPosted(t, m)
	}
	checkSyriaAlerts(t, byWatcher["nahost"], syria)
	if !strings.Contains(out, "4 alerts sent") {
		t.Errorf("the run's last line should count 4 alerts sent:\n%s", out)
	}

	// A second run, and a restart (each run opens the store anew), alert
	// nothing again.
	before := len(e.Slack.Messages())
	e.Once()
	e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()) - before; n != 0 {
		t.Errorf("second run sent %d alerts, want none", n)
	}

	// A new article appears in the feed; only it is alerted, and a hostile
	// headline cannot ping the channel.
	feed := e.File("rss/politik.xml")
	item := `<item><title>&lt;!channel&gt; Syrien &amp; &lt;Co&gt;: Neue Gespräche</title>
<link>{{BASE}}/politik/ausland/syrien-gespraeche.html</link><guid>rr-9999</guid>
<description>In Genf beginnen neue Gespräche über Syrien.</description></item>`
	e.Site.Set("/rss/politik.xml", strings.Replace(feed, "<item>", item+"<item>", 1))
	e.Site.Fail("/politik/ausland/syrien-gespraeche.html", 404)
	e.Once()
	fresh := e.Slack.Messages()[before:]
	if len(fresh) != 1 {
		t.Fatalf("after a new item, %d alerts were sent, want 1", len(fresh))
	}
	if got := fresh[0].BlockText() + fresh[0].Text; strings.Contains(got, "<!channel>") || !strings.Contains(got, "&lt;!channel&gt; Syrien &amp; &lt;Co&gt;") {
		t.Errorf("a page's text must be escaped in an alert:\n%s", got)
	}
}

// links are the articles the messages link to, sorted.
func links(t *testing.T, ms []fakeslack.Message) []string {
	t.Helper()
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

// checkPosted checks what every alert of the test config must be: in its
// watcher's channel, without unfurling, with metadata, a fallback text and
// the token, and without the pages' chrome.
func checkPosted(t *testing.T, m fakeslack.Message) {
	t.Helper()
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
	others := testenv.Chrome
	if w != "macron" { // the Macron article's own headline stands in the other pages' sidebars
		others = append(others, "Macron will Rentenreform nachbessern")
	}
	for _, c := range others {
		if strings.Contains(m.BlockText(), c) {
			t.Errorf("alert of %v carries page chrome %q:\n%s", w, c, m.BlockText())
		}
	}
}

// checkSyriaAlerts checks the Syria alert: summary from the teaser and the
// sentences that carry the match, the matched words in bold, and the
// context line; and the paywalled article's, matched on the feed's
// description.
func checkSyriaAlerts(t *testing.T, nahost []fakeslack.Message, syria string) {
	t.Helper()
	for _, m := range nahost {
		text := m.BlockText()
		if strings.Contains(text, "koblenz") && !strings.Contains(text, "Terrormiliz *IS*") {
			t.Errorf("paywalled alert should summarize the feed's description:\n%s", text)
		}
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
}

func TestNoTokenPrintsAlerts(t *testing.T) {
	e := testenv.New(t, "alert", "")
	code, stdout, stderr := e.Newsbot("once", "--config", e.Config, "--watcher", "macron")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"macron → #news", "Macron", e.URL("/politik/ausland/macron-reform-rente.html"), "matched: "} {
		if !strings.Contains(stdout, s) {
			t.Errorf("stdout lacks %q:\n%s", s, stdout)
		}
	}
	if len(e.Slack.Messages()) != 0 {
		t.Error("with no token nothing may reach Slack")
	}
	if !strings.Contains(stderr, "1 alert sent") {
		t.Errorf("stderr should end with the run's line:\n%s", stderr)
	}
}

func TestCheckJSON(t *testing.T) {
	e := testenv.New(t, "alert", "")
	code, stdout, stderr := e.Newsbot("check", "--config", e.Config, e.URL("/politik/ausland/syrien-waffenruhe-idlib-4711.html?utm_source=x"), "--json")
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
	if res.URL != e.URL("/politik/ausland/syrien-waffenruhe-idlib-4711.html") || res.Lang != "de" ||
		!strings.Contains(res.Title, "Waffenruhe in Idlib") || !strings.HasPrefix(res.Teaser, "Im Nordwesten von Syrien") {
		t.Errorf("check gave url=%q lang=%q title=%q teaser=%q", res.URL, res.Lang, res.Title, res.Teaser)
	}
	if !strings.Contains(res.Text, "Für die Menschen in Idlib zählt zunächst etwas anderes.") {
		t.Errorf("text lacks the last paragraph:\n%s", res.Text)
	}
	for _, c := range testenv.Chrome {
		if strings.Contains(res.Text, c) {
			t.Errorf("extracted text carries chrome %q", c)
		}
	}
	if len(res.Matches) != 1 || res.Matches[0].Watcher != "nahost" || !slices.Equal(res.Matches[0].Terms, []string{"Syrien", "IS"}) {
		t.Errorf("matches = %+v, want nahost with [Syrien IS]", res.Matches)
	} else if f := res.Matches[0].Fields; !slices.Equal(f["Syrien"], []string{"title", "teaser", "body"}) || !slices.Equal(f["IS"], []string{"body"}) {
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
	const goodText = `sources: [{name: a, url: "https://example.org/feed"}]
watchers: [{name: w, schedule: "@hourly", sources: [a], keywords: [x], channel: "#c"}]`
	good := write(goodText)
	e := &testenv.Env{T: t}
	if code, stdout, stderr := e.Newsbot("validate", "--config", good); code != 0 {
		t.Fatalf("valid config: exit %d\n%s%s", code, stdout, stderr)
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
	code, _, got := e.Newsbot("validate", "--config", bad)
	if code == 0 {
		t.Fatal("invalid config: exit 0")
	}
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
	if code, _, stderr := (&testenv.Env{T: t}).Newsbot("once", "--config", bad); code == 0 || !strings.Contains(stderr, "unknown key") {
		t.Errorf("once with an invalid config: exit %d, stderr %q", code, stderr)
	}

	// A store file that is empty (a failed copy, a disk that filled up)
	// would be taken for a new store, and everything alerted again: refused
	// by validate at its line, and by once, which posts nothing. So is a
	// store in a folder that is not there.
	os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o644)
	for _, tt := range []struct{ storage, want string }{
		{"empty.db", "the file is empty (0 bytes)"},
		{"gone/newsbot.db", "the folder " + filepath.Join(dir, "gone") + " does not exist"},
	} {
		cfg := write("storage: " + tt.storage + "\n" + goodText)
		code, _, got := e.Newsbot("validate", "--config", cfg)
		if code != 1 || !strings.HasPrefix(got, cfg+":1:10: storage: ") || !strings.Contains(got, tt.want) {
			t.Errorf("validate with storage: %s: exit %d\n%s", tt.storage, code, got)
		}
		code, _, got = e.Newsbot("once", "--config", cfg)
		if code != 1 || !strings.Contains(got, tt.want) {
			t.Errorf("once with storage: %s: exit %d\n%s", tt.storage, code, got)
		}
	}
}

// newsbot version names the version and the Go it was built with, from
// the binary's build information.
func TestVersion(t *testing.T) {
	e := &testenv.Env{T: t}
	code, stdout, _ := e.Newsbot("version")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || !versionLine.MatchString(lines[0]) || !strings.HasPrefix(lines[len(lines)-1], "go        go1.") {
		t.Errorf("newsbot version: %d\n%s", code, stdout)
	}
	// Built from a clone with its history (go build's -buildvcs), the
	// version is the module's pseudo-version, and the commit is named.
	if !strings.HasPrefix(lines[0], "newsbot "+app.Version) && !strings.HasPrefix(stdout, lines[0]+"\ncommit    ") {
		t.Errorf("a version from the history without its commit:\n%s", stdout)
	}
}

// versionLine is newsbot version's first line: the version the test
// binary has (set, or none), or the one Go records for the binary built
// from the clone (a pseudo-version such as 0.0.0-20261206135717-4e7adfa65844).
var versionLine = regexp.MustCompile(`^newsbot (` + regexp.QuoteMeta(app.Version) + `|\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+dirty)?)$`)

// Two processes on one store (a `once` beside the daemon) never send the
// same alert twice.
func TestTwoProcessesSendEachAlertOnce(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Slack.SetFailNext(1000) // record the alerts, but leave them pending
	e.Undelivered("--timeout", "2s")
	e.Slack.SetFailNext(0)
	done := make(chan struct{})
	for range 2 {
		go func() {
			defer func() { done <- struct{}{} }()
			e.Newsbot("once", "--config", e.Config, "--watcher", "liga")
		}()
	}
	<-done
	<-done
	seen := map[string]int{}
	for _, m := range e.Slack.Messages() {
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

// TestSharedFazFixture runs newsbot on the shared FAZ fixture site
// (../shared/fixtures/faz, the page this project started from) and checks
// what its README says a user expects. It skips where the folder is absent.
func TestSharedFazFixture(t *testing.T) {
	dir := filepath.Join(testenv.Root(), "..", "shared", "fixtures", "faz")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skip("no ../shared/fixtures/faz")
	}
	routes := map[string]string{
		"/rss/politik.rss.xml": "politik.rss.xml",
		"/aktuell/politik/":    "politik.html",
		"/aktuell/politik/ausland/kreml-amerika-lehnt-mitarbeit-in-info-zentrum-gegen-is-ab-13829961.html": "syrien-kreml-info-zentrum.html",
		"/aktuell/politik/ausland/cdu-traut-boris-johnson-positive-ueberraschung-zu.html":                  "cdu-traut-boris-johnson.html",
		"/aktuell/gesellschaft/amerikas-sommer-der-extreme.html":                                           "amerikas-sommer-der-extreme.html",
		"/en/this-is-how-cities-cool-down.html":                                                            "this-is-how-cities-cool-down.html",
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if strings.HasSuffix(file, ".xml") {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(strings.ReplaceAll(string(b), "{{BASE}}", srv.URL)))
	}))
	defer srv.Close()
	slack := fakeslack.New(t)

	cfg := strings.NewReplacer("{{DB}}", filepath.Join(t.TempDir(), "n.db"), "{{SLACK}}", slack.APIURL(), "{{BASE}}", srv.URL).Replace(`
storage: {{DB}}
first_run: alert
slack: {token: xoxb-t, api_url: "{{SLACK}}", channel: "#news"}
http: {host_interval: 0s}
sources:
  - {name: faz, url: "{{BASE}}/rss/politik.rss.xml"}
  - {name: faz-politik, url: "{{BASE}}/aktuell/politik/", links: "a.js-hlp"}
watchers:
  - {name: nahost, schedule: "*/5 * * * *", sources: [faz, faz-politik], keywords: [Syrien, IS], channel: "#nahost"}
  - {name: johnson, schedule: "*/5 * * * *", sources: [faz, faz-politik], keywords: [Boris Johnson], channel: "#uk"}
`)
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(cfg), 0o644)
	e := &testenv.Env{T: t, Config: path}
	out := e.Once()

	got := map[string][]string{}
	for _, m := range slack.Messages() {
		got[m.Channel] = append(got[m.Channel], m.BlockText())
	}
	syria := srv.URL + "/aktuell/politik/ausland/kreml-amerika-lehnt-mitarbeit-in-info-zentrum-gegen-is-ab-13829961.html"
	johnson := srv.URL + "/aktuell/politik/ausland/cdu-traut-boris-johnson-positive-ueberraschung-zu.html"
	if len(got["#nahost"]) != 1 || !strings.Contains(got["#nahost"][0], "<"+syria+"|") {
		t.Fatalf("#nahost got %d alerts, want the Syria article once (its utm link is the same article):\n%s\n%s", len(got["#nahost"]), got["#nahost"], out)
	}
	if len(got["#uk"]) != 1 || !strings.Contains(got["#uk"][0], "<"+johnson+"|") {
		t.Fatalf("#uk got %q, want the Johnson article once", got["#uk"])
	}
	for _, c := range []string{"Boris Johnson", "Weitere Themen", "Topmeldungen", "Newsletter", "Impressum"} {
		if strings.Contains(got["#nahost"][0], c) {
			t.Errorf("the Syria alert carries %q:\n%s", c, got["#nahost"][0])
		}
	}
	if !strings.Contains(got["#nahost"][0], "Am Montagabend hatten sich Wladimir Putin und Barack Obama") {
		t.Errorf("the Syria alert's summary should start from the teaser:\n%s", got["#nahost"][0])
	}
}

var updatePicture = flag.Bool("update-picture", false, "rewrite docs/alert.svg and docs/alert.json from the alert the test posts")

// The README's picture of an alert (docs/alert.svg) is drawn from the
// Block Kit JSON of an alert that newsbot posts to the fake Slack, with
// the local site's address replaced by a reader's: it shows what newsbot
// posts now.
func TestAlertPicture(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Once()
	var blocks []map[string]any
	for _, m := range e.Slack.Messages() {
		if m.Channel == "#nahost" && strings.Contains(m.Text, "Waffenruhe in Idlib") {
			raw, _ := json.Marshal(m.Blocks)
			raw = bytes.ReplaceAll(raw, []byte(e.Site.URL), []byte("https://rundschau.example"))
			json.Unmarshal(raw, &blocks)
		}
	}
	if blocks == nil {
		t.Fatal("no alert on the Idlib article in #nahost")
	}
	svg := blockkit.SVG(blockkit.Message{App: "newsbot", Time: "08:31", Blocks: blocks})
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(map[string]any{"channel": "#nahost", "blocks": blocks})
	docs := filepath.Join(testenv.Root(), "docs")
	if *updatePicture {
		os.WriteFile(filepath.Join(docs, "alert.svg"), svg, 0o644)
		os.WriteFile(filepath.Join(docs, "alert.json"), js.Bytes(), 0o644)
	}
	for file, got := range map[string][]byte{"alert.svg": svg, "alert.json": js.Bytes()} {
		if want, err := os.ReadFile(filepath.Join(docs, file)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/%s is not drawn from the alert newsbot posts now: go test -run TestAlertPicture -update-picture ./e2e (%v)", file, err)
		}
	}
}

// newsbot demo, the README's first command: no config, no token, no
// network (a proxy that answers nothing stands in for the internet), a
// news site inside the process, and real alerts in seconds, exit 0.
func TestDemo(t *testing.T) {
	cmd := exec.Command(testenv.Binary, "demo")
	cmd.Dir = t.TempDir() // no config.yaml around
	cmd.Env = append(os.Environ(), "HTTP_PROXY=http://127.0.0.1:1", "HTTPS_PROXY=http://127.0.0.1:1", "SLACK_BOT_TOKEN=")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("newsbot demo: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if n := strings.Count(out, "── nahost → #nahost"); n < 1 || !strings.Contains(out, "Syrien: Waffenruhe in Idlib") || !strings.Contains(out, "matched: Syrien") {
		t.Errorf("newsbot demo printed %d alerts, want the Syria article among them:\n%s", n, out)
	}
	for _, chrome := range testenv.Chrome {
		if strings.Contains(out, chrome) {
			t.Errorf("a demo alert shows the site's chrome %q:\n%s", chrome, out)
		}
	}
	if !strings.Contains(stderr.String(), "3 alerts sent, 0 errors") {
		t.Errorf("the demo's last line: %s", stderr.String())
	}
}

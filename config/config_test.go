package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the schedules below name zones; don't depend on the host's zoneinfo

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
)

// full is a config as a user writes it, with every key set.
const full = `# newsbot config
storage: /var/lib/newsbot/alerts.db
first_run: alert
max_age: 2d
timezone: Europe/Berlin
slack:
  token: xoxb-123
  api_url: http://127.0.0.1:8080/api
  channel: "#news"
  timeout: 15s
http:
  timeout: 90s
  user_agent: newsbot/test
  max_body: 1048576
  parallel: 8
  host_connections: 3
  host_interval: 1s
  robots: false
  allow_private_networks: true
sources:
  - name: rundschau
    url: https://rr.example/rss/politik.xml
  - name: politik
    url: https://rr.example/politik/
    links: "a.js-hlp"
  - name: world
    url: https://rr.example/atom/world.xml
    type: feed
    robots: false
watchers:
  - name: nahost
    schedule: "*/5 * * * *"
    sources: [rundschau, politik, world]
    keywords: [Syrien, IS, "Islamischer Staat"]
    exclude: [Fußball]
    channel: "#nahost"
  - name: macron
    schedule: "@every 2m"
    sources: [rundschau]
    keywords: [Macron]
  - name: morning
    schedule: "CRON_TZ=America/New_York 0 8 * * *"
    sources: [world]
    keywords: [Syria]
  - name: berlin
    schedule: "0 9 * * *"
    sources: [politik]
    keywords: [Berlin]
`

// minimal leaves out everything that has a default.
const minimal = `
slack:
  channel: "#news"
sources:
  - name: rundschau
    url: https://rr.example/rss/politik.xml
watchers:
  - name: nahost
    schedule: "@hourly"
    sources: [rundschau]
    keywords: [Syrien]
`

func mustParse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	c, err := config.Parse("config.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return c
}

func TestParseFull(t *testing.T) {
	c := mustParse(t, full)

	if c.Storage != "/var/lib/newsbot/alerts.db" || c.FirstRun != config.FirstRunAlert {
		t.Errorf("storage, first_run = %q, %q", c.Storage, c.FirstRun)
	}
	if got := time.Duration(c.MaxAge); got != 48*time.Hour {
		t.Errorf("max_age 2d = %v, want 48h", got)
	}
	if c.Location() == nil || c.Location().String() != "Europe/Berlin" {
		t.Errorf("Location = %v, want Europe/Berlin", c.Location())
	}
	wantSlack := config.Slack{Token: "xoxb-123", APIURL: "http://127.0.0.1:8080/api/", Channel: "#news", Timeout: config.Duration(15 * time.Second), Pace: config.Duration(time.Second)}
	if c.Slack != wantSlack {
		t.Errorf("Slack = %+v, want %+v (api_url gains a trailing slash)", c.Slack, wantSlack)
	}
	no := false
	wantHTTP := config.HTTP{Timeout: config.Duration(90 * time.Second), UserAgent: "newsbot/test", MaxBody: 1 << 20, Parallel: 8,
		HostConnections: 3, HostInterval: config.Duration(time.Second), Robots: &no, AllowPrivateNetworks: true}
	if !reflect.DeepEqual(c.HTTP, wantHTTP) || c.HTTP.RobotsOn() {
		t.Errorf("HTTP = %+v, want %+v", c.HTTP, wantHTTP)
	}
	wantSources := []config.Source{
		{Name: "rundschau", URL: "https://rr.example/rss/politik.xml", MaxItems: config.DefaultMaxItems},
		{Name: "politik", URL: "https://rr.example/politik/", Links: "a.js-hlp", MaxItems: config.DefaultMaxItems},
		{Name: "world", URL: "https://rr.example/atom/world.xml", Type: news.SourceFeed, Robots: &no, MaxItems: config.DefaultMaxItems},
	}
	if !reflect.DeepEqual(c.Sources, wantSources) {
		t.Errorf("Sources = %+v\nwant %+v", c.Sources, wantSources)
	}
	if s, ok := c.Source("politik"); !ok || s.Links != "a.js-hlp" {
		t.Errorf("Source(politik) = %+v, %v", s, ok)
	}
	if _, ok := c.Source("nope"); ok {
		t.Error("Source(nope) found a source")
	}

	nahost, err := c.Watcher("nahost")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(nahost.Sources, []string{"rundschau", "politik", "world"}) ||
		!slices.Equal(nahost.Keywords, []string{"Syrien", "IS", "Islamischer Staat"}) ||
		!slices.Equal(nahost.Exclude, []string{"Fußball"}) || nahost.Channel != "#nahost" {
		t.Errorf("watcher nahost = %+v", nahost)
	}
	if _, err := c.Watcher("nope"); !errors.Is(err, config.ErrNoWatcher) {
		t.Errorf("Watcher(nope) error = %v, want ErrNoWatcher", err)
	}

	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	// A Tuesday, 10:00 in Berlin, 04:00 in New York.
	now := time.Date(2025, 6, 17, 10, 0, 0, 0, berlin)
	schedules := []struct {
		watcher string
		want    time.Time
	}{
		{"nahost", time.Date(2025, 6, 17, 10, 5, 0, 0, berlin)},
		{"macron", now.Add(2 * time.Minute)},
		// CRON_TZ in the spec wins over the config's timezone.
		{"morning", time.Date(2025, 6, 17, 8, 0, 0, 0, ny)},
		// 9:00 in the config's timezone (Berlin), not in UTC or the host's zone.
		{"berlin", time.Date(2025, 6, 18, 9, 0, 0, 0, berlin)},
	}
	for _, s := range schedules {
		t.Run("schedule/"+s.watcher, func(t *testing.T) {
			w, err := c.Watcher(s.watcher)
			if err != nil {
				t.Fatal(err)
			}
			sched, err := c.Schedule(w.Schedule)
			if err != nil {
				t.Fatalf("schedule %q does not compile: %v", w.Schedule, err)
			}
			for _, from := range []time.Time{now, now.UTC()} {
				if got := sched.Next(from); !got.Equal(s.want) {
					t.Errorf("%q: next run after %v = %v, want %v", w.Schedule, from, got, s.want)
				}
			}
		})
	}
}

// max_items is how many new items a check takes from each source, unless
// the source says otherwise.
func TestParseMaxItems(t *testing.T) {
	c := mustParse(t, `max_items: 50
slack: {channel: "#news"}
sources:
  - {name: a, url: "https://rr.example/a.xml"}
  - {name: b, url: "https://rr.example/b.xml", max_items: 500}
watchers:
  - {name: w, schedule: "@hourly", sources: [a, b], keywords: [x]}
`)
	if c.MaxItems != 50 || c.Sources[0].MaxItems != 50 || c.Sources[1].MaxItems != 500 {
		t.Errorf("max_items %d, sources' %d and %d; want 50, 50 and 500", c.MaxItems, c.Sources[0].MaxItems, c.Sources[1].MaxItems)
	}
}

func TestParseDefaults(t *testing.T) {
	c := mustParse(t, minimal)
	checks := []struct {
		name      string
		got, want any
	}{
		{"storage", c.Storage, config.DefaultStorage},
		{"storage is newsbot.db", c.Storage, "newsbot.db"},
		{"first_run", c.FirstRun, config.FirstRunSkip},
		{"max_age", c.MaxAge, config.Duration(0)},
		{"max_items", c.MaxItems, config.DefaultMaxItems},
		{"a source's max_items is max_items", c.Sources[0].MaxItems, config.DefaultMaxItems},
		{"slack.api_url", c.Slack.APIURL, "https://slack.com/api/"},
		{"slack.timeout", c.Slack.Timeout, config.Duration(config.DefaultTimeout)},
		{"http.timeout", c.HTTP.Timeout, config.Duration(config.DefaultTimeout)},
		{"http.max_body", c.HTTP.MaxBody, config.DefaultMaxBody},
		{"http.parallel", c.HTTP.Parallel, config.DefaultParallel},
		{"location", c.Location(), time.Local},
		{"watcher channel falls back to slack.channel", c.Watchers[0].Channel, "#news"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if _, err := c.Schedule(c.Watchers[0].Schedule); err != nil {
		t.Errorf("@hourly does not compile: %v", err)
	}
	if c.Path() != "config.yaml" {
		t.Errorf("Path() = %q", c.Path())
	}
}

func TestParseEnvExpansion(t *testing.T) {
	t.Setenv("NEWSBOT_TEST_TOKEN", "xoxb-from-env")
	t.Setenv("NEWSBOT_TEST_CHANNEL", "#alerts: nahost") // YAML syntax in a value stays text
	t.Setenv("NEWSBOT_TEST_HOST", "rr.example")
	t.Setenv("NEWSBOT_TEST_TIMEOUT", "45s")
	t.Setenv("NEWSBOT_TEST_KEYWORD", "Idlib")
	t.Setenv("HOME", "/home/newsbot")
	c := mustParse(t, `
slack:
  token: ${NEWSBOT_TEST_TOKEN}
  channel: "${NEWSBOT_TEST_CHANNEL}"
http:
  timeout: ${NEWSBOT_TEST_TIMEOUT}
  user_agent: "newsbot ${NEWSBOT_TEST_UNSET_VARIABLE}(+https://${NEWSBOT_TEST_HOST}/bot)"
sources:
  - name: rundschau
    url: https://${NEWSBOT_TEST_HOST}/rss/politik.xml
watchers:
  - name: prices
    schedule: "@hourly"
    sources: [rundschau]
    keywords: ["$100", "US$ 5", "$HOME", "${NEWSBOT_TEST_KEYWORD}"]
`)
	checks := []struct{ name, got, want string }{
		{"slack.token", c.Slack.Token, "xoxb-from-env"},
		{"slack.channel", c.Slack.Channel, "#alerts: nahost"},
		{"watcher channel (from the expanded default)", c.Watchers[0].Channel, "#alerts: nahost"},
		{"sources[0].url", c.Sources[0].URL, "https://rr.example/rss/politik.xml"},
		{"http.user_agent (unset variable is empty)", c.HTTP.UserAgent, "newsbot (+https://rr.example/bot)"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if got := time.Duration(c.HTTP.Timeout); got != 45*time.Second {
		t.Errorf("http.timeout = %v, want 45s", got)
	}
	// Only ${VAR} is expanded: a bare $ is a dollar sign.
	if want := []string{"$100", "US$ 5", "$HOME", "Idlib"}; !slices.Equal(c.Watchers[0].Keywords, want) {
		t.Errorf("keywords = %q, want %q", c.Watchers[0].Keywords, want)
	}
	// The unset variable is named, at its place, as a warning.
	ws := c.Warnings()
	if len(ws) != 1 || !ws[0].Warning || ws[0].Field != "http.user_agent" || ws[0].Pos.Line != 7 ||
		!strings.Contains(ws[0].String(), "warning: ${NEWSBOT_TEST_UNSET_VARIABLE} is not set") {
		t.Errorf("warnings = %v, want one for ${NEWSBOT_TEST_UNSET_VARIABLE} at http.user_agent, line 7", ws)
	}
}

// problem is a problem as the user reads it, without the file name.
type problem struct {
	line, col int
	field     string
	msg       string // a part of the message
}

func (p problem) String() string {
	return fmt.Sprintf("%d:%d: %s: …%s…", p.line, p.col, p.field, p.msg)
}

// TestLoadProblems loads one file per mistake under testdata/ and expects
// exactly the problems listed, each with its position and field path.
func TestLoadProblems(t *testing.T) {
	tests := []struct {
		file string
		want []problem
	}{
		{"unknown-key-top.yaml", []problem{{1, 1, "stroage", `unknown key "stroage"`}}},
		{"unknown-key-slack.yaml", []problem{{2, 3, "slack.chanel", `unknown key "chanel"`}}},
		{"unknown-key-source.yaml", []problem{{6, 5, "sources[rundschau].link", `unknown key "link"`}}},
		{"unknown-key-watcher.yaml", []problem{{11, 5, "watchers[nahost].excludes", `unknown key "excludes"`}}},
		{"keywords-not-list.yaml", []problem{{10, 15, "watchers[nahost].keywords", `expected a list, found "Syrien"`}}},
		{"sources-not-list.yaml", []problem{{9, 14, "watchers[nahost].sources", `expected a list, found "rundschau"`}}},
		{"slack-not-mapping.yaml", []problem{{1, 8, "slack", `expected a mapping`}}},
		{"max-body-not-number.yaml", []problem{{4, 13, "http.max_body", `expected a whole number, found "5MB"`}}},
		{"bad-duration.yaml", []problem{{1, 10, "max_age", `invalid duration "two days"`}}},
		{"bad-first-run.yaml", []problem{{1, 12, "first_run", `must be "skip" or "alert", not "sometimes"`}}},
		{"bad-timezone.yaml", []problem{{1, 11, "timezone", `unknown time zone "Europe/Bonn"`}}},
		{"bad-api-url.yaml", []problem{{2, 12, "slack.api_url", `must be an http(s) URL, not "slack.com/api"`}}},
		{"source-without-url.yaml", []problem{{4, 5, "sources[rundschau].url", "missing"}}},
		{"source-relative-url.yaml", []problem{{5, 10, "sources[rundschau].url", `absolute http(s) URL, not "/rss/politik.xml"`}}},
		{"bad-type.yaml", []problem{{6, 11, "sources[rundschau].type", `not "rss"`}}},
		{"bad-spike.yaml", []problem{{11, 33, "watchers[nahost].spike.factor", "more than 1"}, {11, 21, "watchers[nahost].spike.window", "between 10m and 24h"}}},
		{"bad-summarize.yaml", []problem{{2, 3, "summarize.model", "missing"}, {2, 13, "summarize.provider", "must be openai"}, {3, 13, "summarize.base_url", "must be an http(s) URL"}, {4, 13, "summarize.language", "must be de or en"}}},
		{"bad-selector.yaml", []problem{{6, 12, "sources[politik].links", `invalid CSS selector "a.js-hlp[["`}}},
		{"links-on-feed.yaml", []problem{{7, 12, "sources[rundschau].links", "links applies to pages"}}},
		{"watcher-without-sources.yaml", []problem{{7, 5, "watchers[nahost].sources", "empty"}}},
		{"unknown-source.yaml", []problem{{9, 26, "watchers[nahost].sources[1]", `unknown source "rundshau"`}}},
		{"empty-keyword.yaml", []problem{{10, 24, "watchers[nahost].keywords[1]", "empty keyword"}}},
		{"no-keywords.yaml", []problem{{10, 15, "watchers[nahost].keywords", "empty"}}},
		{"bad-schedule.yaml", []problem{{8, 15, "watchers[nahost].schedule", `invalid schedule "*/5 * * *"`}}},
		// "@every 1ms" and "@every 0s" would check every second.
		{"too-often.yaml", []problem{
			{8, 15, "watchers[millis].schedule", `"@every 1ms": it runs more often than every 1m, the least interval (NEWSBOT_MIN_INTERVAL`},
			{12, 15, "watchers[zero].schedule", "an interval must be more than 0"},
			{16, 15, "watchers[almost].schedule", "more often than every 1m"},
			{29, 13, "watchers[digest].digest", `invalid digest schedule "@every 10s": it runs more often than every 1m`},
		}},
		{"bad-digest.yaml", []problem{{11, 13, "watchers[nahost].digest", `invalid digest schedule "every morning"`}, {16, 13, "watchers[kurz].digest", "shorter than a minute"}}},
		{"webhook-and-token.yaml", []problem{{3, 16, "slack.webhook_url", "set slack.token or slack.webhook_url, not both"}}},
		{"slash-commands.yaml", []problem{{3, 14, "slack.app_token", "must be an app-level token (xapp-"}, {4, 19, "slack.signing_secret", "http.listen, which is not set"}}},
		{"bad-push-and-poll.yaml", []problem{
			{2, 17, "websub.callback_url", "needs http.listen"},
			{3, 10, "websub.lease", "must be 1h or more, not 10m"},
			{4, 20, "polling.fastest", "must be 1m or more (the least interval between checks), not 10s"},
			{9, 12, "sources[rundschau].links", "a sitemap lists its articles itself"},
		}},
		{"duplicate-source.yaml", []problem{{6, 11, "sources[1].name", `duplicate source name "rundschau"`}}},
		{"duplicate-watcher.yaml", []problem{{11, 11, "watchers[1].name", `duplicate watcher name "nahost"`}}},
		{"no-channel.yaml", []problem{{5, 5, "watchers[nahost].channel", "slack.channel gives no default"}}},
		{"bad-max-items.yaml", []problem{{1, 12, "max_items", "must be more than 0"}, {5, 16, "sources[rundschau].max_items", "must be more than 0"}}},
		{"bad-storage.yaml", []problem{{1, 10, "storage", "must be a SQLite file name or a postgres:// URL"}}},
		// Every problem at once, not just the first.
		{"many.yaml", []problem{
			{1, 12, "first_run", `not "never"`},
			{2, 11, "timezone", `unknown time zone "Mars/Olympus"`},
			{4, 12, "slack.api_url", `not "ftp://slack.example/api"`},
			{6, 5, "sources[rundschau].url", "missing"},
			{9, 12, "sources[politik].links", `invalid CSS selector "a[["`},
			{11, 5, "watchers[nahost].channel", "slack.channel gives no default"},
			{12, 15, "watchers[nahost].schedule", `invalid schedule "every 5 minutes"`},
			{13, 26, "watchers[nahost].sources[1]", `unknown source "welt"`},
			{14, 24, "watchers[nahost].keywords[1]", "empty keyword"},
			{15, 5, "watchers[nahost].colour", `unknown key "colour"`},
		}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			_, err := config.Load(path)
			var ps config.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Load(%s) error = %v, want config.Problems", path, err)
			}
			got := slices.Clone(ps)
			slices.SortStableFunc(got, func(a, b config.Problem) int {
				if a.Pos.Line != b.Pos.Line {
					return a.Pos.Line - b.Pos.Line
				}
				return strings.Compare(a.Field, b.Field)
			})
			ok := len(got) == len(tt.want)
			for i := 0; ok && i < len(got); i++ {
				g, w := got[i], tt.want[i]
				ok = g.Pos == config.Position{Line: w.line, Col: w.col} && g.Field == w.field && strings.Contains(g.Msg, w.msg)
			}
			if !ok {
				t.Errorf("Load(%s) problems:\n%v\nwant:\n%v", path, err, tt.want)
			}
			for _, p := range ps {
				prefix := fmt.Sprintf("%s:%d:%d: %s: ", path, p.Pos.Line, p.Pos.Col, p.Field)
				if p.File != path || !strings.HasPrefix(p.String(), prefix) {
					t.Errorf("problem reads %q, want it to start with %q", p.String(), prefix)
				}
				if !strings.Contains(err.Error(), p.String()) {
					t.Errorf("the error does not list %q", p)
				}
			}
		})
	}
}

// A YAML syntax error is reported as a problem at the line that has it.
func TestLoadYAMLSyntaxError(t *testing.T) {
	tests := []struct {
		file  string
		lines []int // lines the user would look at: the construct that is broken
		msg   string
	}{
		{"yaml-syntax.yaml", []int{9, 10}, "did not find expected ',' or ']'"},          // "[rundschau" is never closed
		{"yaml-indent.yaml", []int{7, 8, 9}, "did not find expected key"},               // line 9 is indented one space too far
		{"yaml-tab.yaml", []int{10}, "found character that cannot start any token"},     // a tab indents line 10
		{"yaml-colon.yaml", []int{5}, "mapping values are not allowed in this context"}, // an unquoted ": " in a URL
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".yaml"), func(t *testing.T) {
			path := filepath.Join("testdata", tt.file)
			c, err := config.Load(path)
			var ps config.Problems
			if !errors.As(err, &ps) || len(ps) != 1 {
				t.Fatalf("Load(%s) error = %v, want one problem", path, err)
			}
			p := ps[0]
			if c != nil {
				t.Error("a file that is not YAML gave a Config")
			}
			if p.File != path || p.Field != "yaml" || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("problem = %q, want file %s, field yaml, message %q", p, path, tt.msg)
			}
			if !slices.Contains(tt.lines, p.Pos.Line) {
				t.Errorf("problem = %q: line %d, want one of %v", p, p.Pos.Line, tt.lines)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"))
	var ps config.Problems
	if err == nil || errors.As(err, &ps) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want a wrapped os.ErrNotExist", err)
	}
}

// Checks done outside the package (such as compiling keywords) report
// problems at the field's position, or the nearest enclosing one.
func TestProblemPosition(t *testing.T) {
	c := mustParse(t, full)
	tests := []struct {
		path string
		want config.Position
	}{
		{"watchers[nahost].keywords[2]", config.Position{Line: 34, Col: 28}},
		{"watchers[nahost].exclude[0]", config.Position{Line: 35, Col: 15}},
		{"watchers[macron].keywords", config.Position{Line: 40, Col: 15}},
		{"watchers[macron].keywords[7]", config.Position{Line: 40, Col: 15}}, // no such element: its list
		{"watchers[morning]", config.Position{Line: 41, Col: 5}},
		{"sources[politik].links", config.Position{Line: 25, Col: 12}},
		{"nonsense", config.Position{Line: 2, Col: 1}}, // the document, after the comment line
	}
	for _, tt := range tests {
		p := c.Problem(tt.path, "bad %s", "thing")
		if p.Pos != tt.want || p.Field != tt.path || p.File != "config.yaml" || p.Msg != "bad thing" {
			t.Errorf("Problem(%q) = %+v, want at %v", tt.path, p, tt.want)
		}
	}
	if got := c.WatcherPath(1); got != "watchers[macron]" {
		t.Errorf("WatcherPath(1) = %q, want watchers[macron]", got)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"", 0, false},
		{"0", 0, false},
		{"90s", 90 * time.Second, false},
		{"15m", 15 * time.Minute, false},
		{"24h", 24 * time.Hour, false},
		{"2d", 48 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"two days", 0, true},
		{"5", 0, true},
		{"d", 0, true},
	}
	for _, tt := range tests {
		got, err := config.ParseDuration(tt.in)
		if (err != nil) != tt.err || time.Duration(got) != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, time.Duration(got), err, tt.want, tt.err)
		}
	}
}

// A PostgreSQL URL is the store as written, not a file beside the config;
// one without a host is refused.
func TestPostgresStorage(t *testing.T) {
	const url = "postgres://newsbot:${PW}@db.example:5432/newsbot?sslmode=require"
	t.Setenv("PW", "s3cret")
	yaml := strings.Replace(full, "storage: /var/lib/newsbot/alerts.db", "storage: "+url, 1)
	c, err := config.Parse("/etc/newsbot/config.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://newsbot:s3cret@db.example:5432/newsbot?sslmode=require"; c.Storage != want {
		t.Errorf("storage = %q, want %q", c.Storage, want)
	}
	_, err = config.Parse("config.yaml", []byte(strings.Replace(full, "storage: /var/lib/newsbot/alerts.db", "storage: postgres:///newsbot", 1)))
	if err == nil || !strings.Contains(err.Error(), "a PostgreSQL URL needs a host") {
		t.Errorf("a URL without a host: %v", err)
	}
}

// A watcher may name folders of sources (as a feed reader's, kept by
// newsbot import): it reads every source in them, and those it names,
// each once; a folder no source is in is a problem, with the folders
// there are.
func TestWatcherFolders(t *testing.T) {
	c := mustParse(t, `
sources:
  - {name: faz, url: "https://faz.example/rss", folder: Politik}
  - {name: zeit, url: "https://zeit.example/rss", folder: Politik}
  - {name: kicker, url: "https://kicker.example/rss", folder: Sport}
  - {name: bote, url: "https://bote.example/rss"}
watchers:
  - {name: w, schedule: "@hourly", sources: [bote, zeit], folders: [Politik], keywords: [x], channel: "#c"}
`)
	if got := c.WatcherSources(&c.Watchers[0]); !slices.Equal(got, []string{"bote", "zeit", "faz"}) {
		t.Errorf("sources = %v, want bote, zeit, faz", got)
	}
	_, err := config.Parse("config.yaml", []byte(`
sources: [{name: faz, url: "https://faz.example/rss", folder: Politik}]
watchers: [{name: w, schedule: "@hourly", folders: [Politk], keywords: [x], channel: "#c"}]
`))
	if err == nil || !strings.Contains(err.Error(), `watchers[w].folders[0]: no source is in folder "Politk" (the folders are "Politik")`) {
		t.Errorf("unknown folder: %v", err)
	}
	// A folder holds its subfolders; an empty folder name names none, and
	// a folder's name has no / or space at its ends.
	c = mustParse(t, `
sources:
  - {name: a, url: "https://a.example/rss", folder: Lieblinge}
  - {name: b, url: "https://b.example/rss", folder: Lieblinge/Sport}
  - {name: c, url: "https://c.example/rss", folder: Lieblingessen}
  - {name: d, url: "https://d.example/rss"}
watchers: [{name: w, schedule: "@hourly", folders: [Lieblinge], keywords: [x], channel: "#c"}]
`)
	if got := c.WatcherSources(&c.Watchers[0]); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("folder with a subfolder: %v, want a, b", got)
	}
	_, err = config.Parse("config.yaml", []byte(`
sources: [{name: a, url: "https://a.example/rss", folder: "/Top"}, {name: b, url: "https://b.example/rss"}]
watchers: [{name: w, schedule: "@hourly", folders: [""], keywords: [x], channel: "#c"}]
`))
	for _, want := range []string{`sources[a].folder: "/Top": a folder's name has no space or / at its ends`, "watchers[w].folders[0]: empty"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("odd folders: %v, want %q", err, want)
		}
	}
}

// Package config reads newsbot's YAML file.
//
// Loading runs in this order: parse the YAML (keeping every node's line and
// column), expand ${VAR} from the environment in string values, decode
// strictly (an unknown key is a problem, not a silent no-op), apply defaults,
// then Validate, which returns every problem at once with its position and
// field path, such as
//
//	config.yaml:12:15: watchers[nahost].schedule: expected exactly 5 fields, found 4
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"
	"github.com/newsbot/newsbot/news"
	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"
)

// Defaults for keys the file leaves out.
const (
	DefaultStorage     = "newsbot.db"
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultTimeout     = 20 * time.Second
	DefaultMaxBody     = 5 << 20
	DefaultParallel    = 4
	DefaultStoryWindow = 48 * time.Hour
	// DefaultHostConnections and DefaultHostInterval keep newsbot to
	// about four requests a second to one publisher.
	DefaultHostConnections = 2
	DefaultHostInterval    = 250 * time.Millisecond
	MaxSlackTimeout        = time.Minute
	DefaultPace            = time.Second
)

// FirstRun is what the first check of a source does.
type FirstRun string

// First-run policies.
const (
	// FirstRunSkip records what the source lists without alerting.
	FirstRunSkip FirstRun = "skip"
	// FirstRunAlert alerts on it as on anything new.
	FirstRunAlert FirstRun = "alert"
)

// Config is the whole file.
type Config struct {
	// Storage is the SQLite file that keeps what was seen and alerted.
	Storage string `yaml:"storage"`
	// FirstRun says what the first check of a source does: record what is
	// there without alerting (skip), or alert on it (alert).
	FirstRun FirstRun `yaml:"first_run" jsonschema:"enum=skip,enum=alert"`
	// MaxAge, when set, keeps articles published longer ago than this from
	// alerting (an article without a date always may).
	MaxAge Duration `yaml:"max_age"`
	// StoryWindow is how long an alerted story takes in other outlets'
	// versions as replies instead of new alerts (default 48h; 0: never).
	StoryWindow Duration `yaml:"story_window"`
	// Timezone is the zone schedules run in, unless one starts with CRON_TZ=.
	Timezone string `yaml:"timezone"`
	Slack    Slack  `yaml:"slack"`
	HTTP     HTTP   `yaml:"http"`
	// Summarize, when set, has a language model write alerts' summaries.
	Summarize *Summarize `yaml:"summarize"`
	// Synonyms are named sets of terms a query refers to as @name.
	Synonyms map[string][]string `yaml:"synonyms"`
	Sources  []Source            `yaml:"sources"`
	Watchers []Watcher           `yaml:"watchers"`

	// Location is Timezone loaded.
	Location *time.Location `yaml:"-"`

	path  string
	pos   map[string]Position
	lists map[string][]string
}

// Slack is how alerts reach Slack.
type Slack struct {
	// Token is the bot token (xoxb-...). Empty: alerts go to stdout,
	// unless WebhookURL is set.
	Token string `yaml:"token"`
	// WebhookURL is an incoming webhook, instead of a token, for teams
	// that cannot install an app: every alert goes to its channel, and
	// there are no threads.
	WebhookURL string `yaml:"webhook_url"`
	APIURL     string `yaml:"api_url"`
	Channel    string `yaml:"channel"`
	// Timeout bounds one call to Slack.
	Timeout Duration `yaml:"timeout"`
	// Pace is the least time between two messages to one channel: Slack
	// allows about one a second, and pacing keeps 429s the exception.
	Pace Duration `yaml:"pace"`
	// OpsChannel hears about alerts that cannot be delivered.
	OpsChannel string `yaml:"ops_channel"`
	// AppToken (xapp-...) lets newsbot run answer /newsbot over Socket
	// Mode: no public URL needed.
	AppToken string `yaml:"app_token"`
	// SigningSecret lets newsbot run answer /newsbot over HTTP, as
	// POST /slack/commands on http.listen: requests not signed with it
	// are refused.
	SigningSecret string `yaml:"signing_secret"`
}

// Summarize is an OpenAI-compatible chat completions endpoint that writes
// summaries; on any failure, and past the daily budget, newsbot uses its
// own extractive summary.
type Summarize struct {
	Provider string `yaml:"provider" jsonschema:"required,enum=openai"` // "openai": any OpenAI-compatible endpoint
	BaseURL  string `yaml:"base_url" jsonschema:"required"`             // such as https://api.openai.com/v1
	Model    string `yaml:"model" jsonschema:"required"`
	APIKey   string `yaml:"api_key"`
	// Language of the summaries ("de", "en"); default: the watcher's
	// lang, else the article's.
	Language  string   `yaml:"language" jsonschema:"enum=de,enum=en"`
	MaxTokens int      `yaml:"max_tokens"`
	Timeout   Duration `yaml:"timeout"`
	// DailyBudget is how many summaries a day (UTC) the model may write.
	DailyBudget int `yaml:"daily_budget"`
}

// HTTP is how newsbot fetches sources and articles.
type HTTP struct {
	Timeout   Duration `yaml:"timeout"`
	UserAgent string   `yaml:"user_agent"`
	// MaxBody caps a response body, in bytes, after decompression.
	MaxBody int `yaml:"max_body"`
	// Parallel is how many requests newsbot has in flight at once.
	Parallel int `yaml:"parallel"`
	// HostConnections bounds the requests in flight to one host, and
	// HostInterval is the least time between two requests to it.
	HostConnections int      `yaml:"host_connections"`
	HostInterval    Duration `yaml:"host_interval"`
	// Contact is a URL or address the User-Agent names, for publishers.
	Contact string `yaml:"contact"`
	// Robots honours robots.txt (default true).
	Robots *bool `yaml:"robots"`
	// AllowPrivateNetworks lets links found in sources lead to private
	// and loopback addresses (a self-hosted intranet).
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
	// Listen is the address (host:port) where newsbot run serves
	// /metrics, /healthz and /readyz; empty: none.
	Listen string `yaml:"listen"`
}

// RobotsOn reports whether robots.txt is honoured.
func (h HTTP) RobotsOn() bool { return h.Robots == nil || *h.Robots }

// Source is a feed or an HTML page that lists articles.
type Source struct {
	Name string `yaml:"name" jsonschema:"required"`
	URL  string `yaml:"url" jsonschema:"required"`
	// Type forces feed or page; empty means found from the content.
	Type news.SourceType `yaml:"type" jsonschema:"enum=feed,enum=page"`
	// Links is a CSS selector: on a page, the links that are articles.
	// A page without it is one article.
	Links string `yaml:"links"`
	// Robots: false fetches the source itself without asking robots.txt,
	// for a feed the publisher means to be polled.
	Robots *bool `yaml:"robots"`
}

// Watcher checks its sources on a schedule for its keywords.
type Watcher struct {
	Name     string   `yaml:"name" jsonschema:"required"`
	Schedule string   `yaml:"schedule" jsonschema:"required"`
	Sources  []string `yaml:"sources" jsonschema:"required"`
	Keywords []string `yaml:"keywords"`
	// Query is a boolean query (see package match); a watcher matches on
	// any keyword or the query.
	Query   string   `yaml:"query"`
	Exclude []string `yaml:"exclude"`
	// Stem matches words by their stems ("Syrien" finds "Syriens"), in
	// the article's language, or in Lang when it is set.
	Stem    bool   `yaml:"stem"`
	Lang    string `yaml:"lang"`
	Channel string `yaml:"channel"`
	// Mention is who an alert notifies: "@here", "@channel", a user
	// ("U123"), a user group ("<!subteam^S123>"); MentionOn limits it to
	// alerts that matched one of these terms.
	Mention   []string `yaml:"mention"`
	MentionOn []string `yaml:"mention_on"`
	// Quiet is a daily window, "22:00-07:00" in the config's timezone,
	// during which alerts wait and go out when it ends.
	Quiet string `yaml:"quiet"`
	// Digest collects the watcher's alerts and posts them as one message
	// on this schedule: a cron spec ("0 8 * * *") or an interval ("30m").
	Digest string `yaml:"digest"`
	// Spike posts one message when the watcher's matches in the last
	// window are more than factor times the usual at that time of day.
	Spike *Spike `yaml:"spike"`

	// Cron is Schedule parsed, in the config's timezone.
	Cron cron.Schedule `yaml:"-"`
	// DigestCron is Digest parsed; nil without a digest.
	DigestCron cron.Schedule `yaml:"-"`
	// QuietFrom and QuietTo are Quiet parsed, in minutes after midnight.
	QuietFrom, QuietTo int `yaml:"-"`
}

// Spike is when a watcher's matches are news in themselves.
type Spike struct {
	Window Duration `yaml:"window"` // default 1h
	Factor float64  `yaml:"factor"` // default 3
	// Min is the fewest matches in a window that can be a spike
	// (default 5), so that 2 after a usual 0 is not one.
	Min int `yaml:"min"`
}

// QuietUntil returns when the watcher's quiet hours that t falls in end,
// or the zero time when t is not in them.
func (w *Watcher) QuietUntil(t time.Time) time.Time {
	if w.Quiet == "" || w.QuietFrom == w.QuietTo {
		return time.Time{}
	}
	m := t.Hour()*60 + t.Minute()
	var in bool
	if w.QuietFrom < w.QuietTo {
		in = m >= w.QuietFrom && m < w.QuietTo
	} else { // over midnight
		in = m >= w.QuietFrom || m < w.QuietTo
	}
	if !in {
		return time.Time{}
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	end := day.Add(time.Duration(w.QuietTo) * time.Minute)
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// parseQuiet reads "22:00-07:00".
func parseQuiet(s string) (from, to int, err error) {
	a, b, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return 0, 0, fmt.Errorf("want a window such as \"22:00-07:00\", not %q", s)
	}
	parse := func(hm string) (int, error) {
		t, err := time.Parse("15:04", hm)
		if err != nil {
			return 0, fmt.Errorf("want a window such as \"22:00-07:00\", not %q", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	if from, err = parse(a); err != nil {
		return 0, 0, err
	}
	if to, err = parse(b); err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 0, fmt.Errorf("%q is an empty window", s)
	}
	return from, to, nil
}

// Duration is a time.Duration written as "90s", "15m", "24h" or "2d".
type Duration time.Duration

// ParseDuration reads a Duration; "d" stands for 24 hours.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := time.ParseDuration(n + "h")
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return Duration(d * 24), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q (use 90s, 15m, 24h or 2d)", s)
	}
	return Duration(d), nil
}

// Position is a place in the YAML file.
type Position struct{ Line, Col int }

// Problem is one thing wrong with the file.
type Problem struct {
	File  string
	Pos   Position
	Field string
	Msg   string
}

func (p Problem) String() string {
	field := p.Field
	if field == "" {
		field = "config"
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Pos.Line, p.Pos.Col, field, p.Msg)
}

// Problems is every problem found in a file; it is the error Load returns
// when the file is invalid.
type Problems []Problem

// Sort puts problems in the order they stand in the file.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Pos.Line != ps[j].Pos.Line {
			return ps[i].Pos.Line < ps[j].Pos.Line
		}
		return ps[i].Pos.Col < ps[j].Pos.Col
	})
}

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads, decodes and validates the file at path. When the file is
// invalid the error is a Problems listing each problem.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; path is used in problem reports.
// When the file is invalid it returns the Config as far as it could be
// read along with the Problems, so that callers can check further and
// report everything at once; such a Config must not be run.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{path: path, pos: map[string]Position{"": {1, 1}}, lists: map[string][]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{yamlProblem(path, data, err)}
	}
	d := decoder{file: path, pos: c.pos, lists: c.lists, unknownKeys: map[string]bool{}}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], c, "")
	}
	// A field that could not be decoded is reported once, for what is
	// wrong with it, not again as missing.
	ps := d.problems
	for _, p := range c.validate() {
		if !d.failed(p.Field) {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		ps.Sort()
		return c, ps
	}
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner), whose line numbers it gives counting from 0.
var yamlParserErrors = regexp.MustCompile(`^did not find expected (<document start>|node content|key|'-' indicator|',' or '\]'|',' or '\}')`)

func yamlProblem(path string, data []byte, err error) Problem {
	p := Problem{File: path, Pos: Position{1, 1}, Field: "yaml", Msg: err.Error()}
	// yaml.v3 names no column, and for a tab not always the line: a tab
	// in the indentation is the usual cause, so point at it.
	if strings.Contains(err.Error(), "cannot start any token") || strings.Contains(err.Error(), "tab") {
		for i, line := range strings.Split(string(data), "\n") {
			indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			if col := strings.IndexByte(indent, '\t'); col >= 0 {
				p.Pos = Position{i + 1, col + 1}
				p.Msg = strings.TrimPrefix(yamlLine.ReplaceAllString(err.Error(), "$2"), "yaml: ") +
					": a tab in the indentation (YAML indents with spaces only)"
				return p
			}
		}
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &p.Pos.Line)
		p.Msg = m[2]
		if yamlParserErrors.MatchString(p.Msg) {
			p.Pos.Line++
		}
	}
	return p
}

// Path is the file the config was read from.
func (c *Config) Path() string { return c.path }

// Pos is where the field at path (such as "watchers[nahost].keywords[2]")
// stands in the file, or the nearest enclosing field that does.
func (c *Config) Pos(path string) Position {
	for {
		if p, ok := c.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return c.pos[""]
		}
		path = path[:i]
	}
}

// Problem makes a Problem at the field path, for checks done outside this
// package (such as compiling keywords).
func (c *Config) Problem(path, format string, args ...any) Problem {
	return Problem{File: c.path, Pos: c.Pos(path), Field: path, Msg: fmt.Sprintf(format, args...)}
}

// Source returns the source named name.
func (c *Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// WatcherPath is the field path of the i-th watcher, by name where it has one.
func (c *Config) WatcherPath(i int) string { return c.elemPath("watchers", i) }

func (c *Config) elemPath(list string, i int) string {
	if ps := c.lists[list]; i < len(ps) {
		return ps[i]
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

func elemPath(list string, i int, name string) string {
	if name != "" {
		return fmt.Sprintf("%s[%s]", list, name)
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

// CronParser is the parser for watcher schedules: five fields, or a
// descriptor such as @hourly or @every 2m, optionally after CRON_TZ=.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (c *Config) validate() Problems {
	var ps Problems
	bad := func(path, format string, args ...any) {
		ps = append(ps, c.Problem(path, format, args...))
	}

	if c.Storage == "" {
		c.Storage = DefaultStorage
	}
	// A relative storage path is the config file's neighbour, wherever
	// newsbot is started from.
	if !filepath.IsAbs(c.Storage) && !strings.Contains(c.Storage, "://") && c.path != "" {
		c.Storage = filepath.Join(filepath.Dir(c.path), c.Storage)
	}
	switch {
	case strings.HasPrefix(c.Storage, "postgres://") || strings.HasPrefix(c.Storage, "postgresql://"):
		if u, err := url.Parse(c.Storage); err != nil || u.Host == "" && u.Query().Get("host") == "" {
			bad("storage", "a PostgreSQL URL needs a host: postgres://user:password@host:5432/newsbot")
		}
	case strings.Contains(c.Storage, "://"):
		bad("storage", "must be a SQLite file name or a postgres:// URL")
	}
	switch c.FirstRun {
	case "":
		c.FirstRun = FirstRunSkip
	case FirstRunSkip, FirstRunAlert:
	default:
		bad("first_run", "must be %q or %q, not %q", FirstRunSkip, FirstRunAlert, c.FirstRun)
	}
	if c.MaxAge < 0 {
		bad("max_age", "must not be negative")
	}
	c.Location = time.Local
	if c.Timezone != "" {
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			bad("timezone", "unknown time zone %q", c.Timezone)
		} else {
			c.Location = loc
		}
	}

	if c.Slack.APIURL == "" {
		c.Slack.APIURL = DefaultSlackAPIURL
	} else if u, err := url.Parse(c.Slack.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("slack.api_url", "must be an http(s) URL, not %q", c.Slack.APIURL)
	} else if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
	if c.Slack.WebhookURL != "" {
		if u, err := url.Parse(c.Slack.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("slack.webhook_url", "must be an http(s) URL such as https://hooks.slack.com/services/T…/B…/…")
		} else if c.Slack.Token != "" {
			bad("slack.webhook_url", "set slack.token or slack.webhook_url, not both")
		}
	}
	if s := c.Summarize; s != nil {
		if s.Provider != "openai" {
			bad("summarize.provider", "must be openai (any OpenAI-compatible endpoint), not %q", s.Provider)
		}
		if u, err := url.Parse(s.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("summarize.base_url", "must be an http(s) URL such as https://api.openai.com/v1")
		}
		if s.Model == "" {
			bad("summarize.model", "missing: name the model")
		}
		switch s.Language {
		case "", "de", "en":
		default:
			bad("summarize.language", "must be de or en, not %q", s.Language)
		}
		if s.MaxTokens == 0 {
			s.MaxTokens = 200
		} else if s.MaxTokens < 0 {
			bad("summarize.max_tokens", "must be positive")
		}
		if s.Timeout == 0 {
			s.Timeout = Duration(20 * time.Second)
		} else if s.Timeout < 0 {
			bad("summarize.timeout", "must be positive")
		}
		if s.DailyBudget == 0 {
			s.DailyBudget = 200
		} else if s.DailyBudget < 0 {
			bad("summarize.daily_budget", "must be positive")
		}
	}
	if _, set := c.pos["story_window"]; !set {
		c.StoryWindow = Duration(DefaultStoryWindow)
	} else if c.StoryWindow < 0 {
		bad("story_window", "must not be negative")
	}
	if _, set := c.pos["slack.pace"]; !set {
		c.Slack.Pace = Duration(DefaultPace)
	} else if c.Slack.Pace < 0 {
		bad("slack.pace", "must not be negative")
	}
	if c.Slack.Timeout == 0 {
		c.Slack.Timeout = Duration(DefaultTimeout)
	} else if c.Slack.Timeout < 0 || time.Duration(c.Slack.Timeout) > MaxSlackTimeout {
		// A delivery claims its alert for ten minutes (three tries each);
		// a call that may take longer could let another process send it too.
		bad("slack.timeout", "must be between 1s and %s", MaxSlackTimeout)
	}
	if c.HTTP.Timeout == 0 {
		c.HTTP.Timeout = Duration(DefaultTimeout)
	}
	if c.HTTP.MaxBody == 0 {
		c.HTTP.MaxBody = DefaultMaxBody
	} else if c.HTTP.MaxBody < 0 {
		bad("http.max_body", "must be positive")
	}
	if c.HTTP.Parallel == 0 {
		c.HTTP.Parallel = DefaultParallel
	} else if c.HTTP.Parallel < 0 {
		bad("http.parallel", "must be positive")
	}
	if l := c.HTTP.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil || port == "" {
			bad("http.listen", "must be host:port, such as 127.0.0.1:9090, not %q", l)
		}
	}
	if t := c.Slack.AppToken; t != "" && !strings.HasPrefix(t, "xapp-") {
		bad("slack.app_token", "must be an app-level token (xapp-…, from the app's Basic Information page, with the connections:write scope), not a bot or user token")
	}
	if c.Slack.SigningSecret != "" && c.HTTP.Listen == "" {
		bad("slack.signing_secret", "slash commands over HTTP are served on http.listen, which is not set (or use slack.app_token for Socket Mode)")
	}
	if c.HTTP.HostConnections == 0 {
		c.HTTP.HostConnections = DefaultHostConnections
	} else if c.HTTP.HostConnections < 0 {
		bad("http.host_connections", "must be positive")
	}
	if _, set := c.pos["http.host_interval"]; !set {
		c.HTTP.HostInterval = Duration(DefaultHostInterval)
	} else if c.HTTP.HostInterval < 0 {
		bad("http.host_interval", "must not be negative")
	}
	if c.HTTP.Contact != "" && c.HTTP.UserAgent != "" {
		bad("http.contact", "http.user_agent is given whole: put the contact in it, or leave user_agent out")
	}

	for name, set := range c.Synonyms {
		if len(set) == 0 {
			bad("synonyms."+name, "empty synonym set")
		}
		for j, t := range set {
			if strings.TrimSpace(t) == "" {
				bad(fmt.Sprintf("synonyms.%s[%d]", name, j), "empty term")
			}
		}
	}
	if len(c.Sources) == 0 {
		bad("sources", "no sources: name at least one feed or page")
	}
	sources := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		p := c.elemPath("sources", i)
		switch {
		case s.Name == "":
			bad(p+".name", "missing: every source needs a name")
		case sources[s.Name]:
			bad(p+".name", "duplicate source name %q", s.Name)
		}
		sources[s.Name] = true
		if s.URL == "" {
			bad(p+".url", "missing")
		} else if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(p+".url", "must be an absolute http(s) URL, not %q", s.URL)
		}
		switch s.Type {
		case news.SourceAuto, news.SourceFeed, news.SourcePage:
		default:
			bad(p+".type", "must be %q or %q, not %q", news.SourceFeed, news.SourcePage, s.Type)
		}
		if s.Links != "" {
			if s.Type == news.SourceFeed {
				bad(p+".links", "a feed lists its articles itself; links applies to pages")
			}
			if _, err := cascadia.Compile(s.Links); err != nil {
				bad(p+".links", "invalid CSS selector %q: %v", s.Links, err)
			}
		}
	}

	if len(c.Watchers) == 0 {
		bad("watchers", "no watchers: add at least one")
	}
	watchers := map[string]bool{}
	for i := range c.Watchers {
		w := &c.Watchers[i]
		p := c.WatcherPath(i)
		switch {
		case w.Name == "":
			bad(p+".name", "missing: every watcher needs a name")
		case watchers[w.Name]:
			bad(p+".name", "duplicate watcher name %q", w.Name)
		}
		watchers[w.Name] = true
		if w.Schedule == "" {
			bad(p+".schedule", "missing: give a cron spec such as \"*/5 * * * *\" or \"@every 10m\"")
		} else if sched, err := CronParser.Parse(scheduleInZone(w.Schedule, c.Timezone)); err != nil {
			bad(p+".schedule", "invalid schedule %q: %v", w.Schedule, err)
		} else {
			w.Cron = sched
		}
		if len(w.Sources) == 0 {
			bad(p+".sources", "empty: name at least one source")
		}
		seen := map[string]bool{}
		for j, name := range w.Sources {
			sp := fmt.Sprintf("%s.sources[%d]", p, j)
			switch {
			case !sources[name]:
				bad(sp, "unknown source %q", name)
			case seen[name]:
				bad(sp, "source %q named twice", name)
			}
			seen[name] = true
		}
		switch w.Lang {
		case "", "de", "en":
		default:
			bad(p+".lang", "must be de or en, not %q", w.Lang)
		}
		if w.Lang != "" && !w.Stem {
			bad(p+".lang", "lang sets the stemming language: it needs stem: true")
		}
		if len(w.Keywords) == 0 && strings.TrimSpace(w.Query) == "" {
			bad(p+".keywords", "empty: give at least one keyword, or a query")
		}
		for j, k := range w.Keywords {
			if strings.TrimSpace(k) == "" {
				bad(fmt.Sprintf("%s.keywords[%d]", p, j), "empty keyword")
			}
		}
		for j, k := range w.Exclude {
			if strings.TrimSpace(k) == "" {
				bad(fmt.Sprintf("%s.exclude[%d]", p, j), "empty keyword")
			}
		}
		for j, m := range w.Mention {
			if _, ok := MentionMarkup(m); !ok {
				bad(fmt.Sprintf("%s.mention[%d]", p, j), "%q is not a mention: use @here, @channel, @everyone, a user ID (U123), or <!subteam^S123>", m)
			}
		}
		if w.Quiet != "" {
			from, to, err := parseQuiet(w.Quiet)
			if err != nil {
				bad(p+".quiet", "%v", err)
			}
			w.QuietFrom, w.QuietTo = from, to
		}
		if sp := w.Spike; sp != nil {
			if sp.Window == 0 {
				sp.Window = Duration(time.Hour)
			} else if time.Duration(sp.Window) < 10*time.Minute || time.Duration(sp.Window) > 24*time.Hour {
				bad(p+".spike.window", "must be between 10m and 24h")
			}
			if sp.Factor == 0 {
				sp.Factor = 3
			} else if sp.Factor <= 1 {
				bad(p+".spike.factor", "must be more than 1")
			}
			if sp.Min == 0 {
				sp.Min = 5
			}
		}
		if w.Digest != "" {
			if d, err := time.ParseDuration(w.Digest); err == nil {
				if d < time.Minute {
					bad(p+".digest", "interval %s is shorter than a minute", w.Digest)
				} else {
					w.DigestCron = cron.Every(d)
				}
			} else if sched, err := CronParser.Parse(scheduleInZone(w.Digest, c.Timezone)); err != nil {
				bad(p+".digest", "invalid digest schedule %q: give a cron spec such as \"0 8 * * *\" or an interval such as \"30m\"", w.Digest)
			} else {
				w.DigestCron = sched
			}
		}
		if len(w.MentionOn) > 0 && len(w.Mention) == 0 {
			bad(p+".mention_on", "mention_on needs mention: who to notify")
		}
		if w.Channel == "" {
			// A webhook posts to its own channel: none need be named.
			if c.Slack.Channel == "" && c.Slack.WebhookURL == "" {
				bad(p+".channel", "missing, and slack.channel gives no default")
			}
			w.Channel = cmp.Or(c.Slack.Channel, "webhook")
		}
	}
	return ps
}

var (
	userID    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	markupRef = regexp.MustCompile(`^<(!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel|!everyone)>$`)
)

// MentionMarkup turns a mention as written in the config into Slack's
// markup: "@here" is "<!here>", "U123" is "<@U123>".
func MentionMarkup(m string) (string, bool) {
	switch m = strings.TrimSpace(m); {
	case m == "@here" || m == "@channel" || m == "@everyone":
		return "<!" + m[1:] + ">", true
	case userID.MatchString(m):
		return "<@" + m + ">", true
	case markupRef.MatchString(m):
		return m, true
	}
	return "", false
}

// scheduleInZone puts a schedule in the config's timezone unless it names its own.
func scheduleInZone(spec, tz string) string {
	spec = strings.TrimSpace(spec)
	if tz == "" || strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return spec
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return spec
	}
	return "CRON_TZ=" + tz + " " + spec
}

// ErrNoWatcher is returned for a watcher name the config does not have.
var ErrNoWatcher = errors.New("no such watcher")

// Watcher returns the watcher named name.
func (c *Config) Watcher(name string) (*Watcher, error) {
	for i := range c.Watchers {
		if c.Watchers[i].Name == name {
			return &c.Watchers[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoWatcher, name)
}

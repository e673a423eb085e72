// Package config reads newsbot's YAML file.
//
// Loading runs in this order (load.go): parse the YAML (keeping every
// node's line and column), expand ${VAR} from the environment in string
// values and decode strictly (decode.go: an unknown key is a problem, not
// a silent no-op), set the defaults (defaults.go), then validate
// (validate.go), which changes nothing and returns every problem at once
// with its position and field path, such as
//
//	config.yaml:12:15: watchers[nahost].schedule: expected exactly 5 fields, found 4
//
// and last compile (compile.go) what a valid file's values stand for: its
// time zone, and the parsers of schedules and quiet hours that those who
// run them use.
package config

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/news"
)

// Defaults for keys the file leaves out.
const (
	DefaultStorage     = "newsbot.db"
	DefaultSlackAPIURL = "https://slack.com/api/"
	DefaultTimeout     = 20 * time.Second
	DefaultMaxBody     = 5 << 20
	DefaultStoryWindow = 48 * time.Hour
	// DefaultFastest is polling.fastest's default.
	DefaultFastest = time.Minute
	// DefaultLease is websub.lease's default.
	DefaultLease = 10 * 24 * time.Hour
	// DefaultMaxItems is how many new items a check takes from a source.
	DefaultMaxItems = 100
	// DefaultHostConnections and DefaultHostInterval keep newsbot to
	// about four requests a second to one publisher.
	DefaultHostConnections = 2
	DefaultHostInterval    = 250 * time.Millisecond
	MaxSlackTimeout        = time.Minute
	DefaultPace            = time.Second
)

// DefaultParallel is how many requests are in flight at once, all
// watchers together, unless http.parallel says: 16 a processor, at least
// 16 and at most 64. Requests mostly wait on the network; what takes a
// processor (extracting an article) has a bound of its own, one a
// processor.
var DefaultParallel = min(max(16*runtime.NumCPU(), 16), 64)

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
	// MaxItems is how many new items a check takes from one source (a
	// source may say otherwise): a feed that suddenly lists thousands
	// (an archive, a broken CMS) is worked off over several checks, the
	// newest first, instead of holding every alert back for minutes.
	MaxItems int `yaml:"max_items"`
	// StoryWindow is how long an alerted story takes in other outlets'
	// versions as replies instead of new alerts (default 48h; 0: never).
	StoryWindow Duration `yaml:"story_window"`
	// Timezone is the zone schedules run in, unless one starts with CRON_TZ=.
	Timezone string `yaml:"timezone"`
	Slack    Slack  `yaml:"slack"`
	HTTP     HTTP   `yaml:"http"`
	// Polling is how newsbot run adapts each source's checks to how
	// often it publishes.
	Polling Polling `yaml:"polling"`
	// WebSub has feeds that name a hub pushed to newsbot run.
	WebSub WebSub `yaml:"websub"`
	// Summarize, when set, has a language model write alerts' summaries.
	Summarize *Summarize `yaml:"summarize"`
	// Synonyms are named sets of terms a query refers to as @name.
	Synonyms map[string][]string `yaml:"synonyms"`
	Sources  []Source            `yaml:"sources"`
	Watchers []Watcher           `yaml:"watchers"`

	path  string
	pos   map[string]Position
	lists map[string][]string
	// loc is Timezone loaded (compile).
	loc      *time.Location
	warnings Problems
	// sourceIndex finds a source by its name (Source).
	sourcesOnce sync.Once
	sourceIndex map[string]int
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

// Polling is adaptive polling: newsbot run checks a source that
// publishes often more often than its watchers' schedule (which stays
// the slowest), never more often than Fastest, nor before the server
// says its copy is stale (Cache-Control, Expires).
type Polling struct {
	// Adaptive turns it on (default true).
	Adaptive *bool `yaml:"adaptive"`
	// Fastest is the shortest time between two checks of a source
	// (default and least 1m).
	Fastest Duration `yaml:"fastest"`
}

// On reports whether adaptive polling is on.
func (p Polling) On() bool { return p.Adaptive == nil || *p.Adaptive }

// WebSub subscribes newsbot run to the hubs of the feeds that name one
// (WebSub, W3C): the hub pushes new entries to CallbackURL, and newsbot
// processes them at once.
type WebSub struct {
	// CallbackURL is the public address of newsbot run's http.listen
	// (through a proxy, say), with or without /websub: a subscription's
	// callback is /websub/ID under it. Empty: no subscriptions.
	CallbackURL string `yaml:"callback_url"`
	// Lease is the subscription's time newsbot asks the hub for (default
	// 10 days; the hub decides); it is renewed before it ends.
	Lease Duration `yaml:"lease"`
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
	// Type forces feed, page or sitemap (a news sitemap or a sitemap
	// index); empty means found from the content.
	Type news.SourceType `yaml:"type" jsonschema:"enum=feed,enum=page,enum=sitemap"`
	// Links is a CSS selector: on a page, the links that are articles.
	// A page without it is one article.
	Links string `yaml:"links"`
	// Robots: false fetches the source itself without asking robots.txt,
	// for a feed the publisher means to be polled.
	Robots *bool `yaml:"robots"`
	// MaxItems overrides the config's max_items for this source.
	MaxItems int `yaml:"max_items"`
	// Folder groups sources (as a feed reader's folders, kept by newsbot
	// import): a watcher's folders name all the sources of a folder.
	Folder string `yaml:"folder"`
}

// Watcher checks its sources on a schedule for its keywords.
type Watcher struct {
	Name     string `yaml:"name" jsonschema:"required"`
	Schedule string `yaml:"schedule" jsonschema:"required"`
	// Sources and Folders name what the watcher reads: sources by name,
	// and every source of a folder.
	Sources  []string `yaml:"sources"`
	Folders  []string `yaml:"folders"`
	Keywords []string `yaml:"keywords"`
	// Query is a boolean query (see package match); a watcher matches on
	// any keyword or the query.
	Query   string   `yaml:"query"`
	Exclude []string `yaml:"exclude"`
	// Stem matches words by their stems ("Syrien" finds "Syriens"), in
	// the article's language, or in Lang when it is set.
	Stem bool   `yaml:"stem"`
	Lang string `yaml:"lang"`
	// Forms are the languages (de, en) in which the watcher's terms that
	// name a place also find its other forms: Syrien finds Syriens,
	// syrische, Syrer; with en, Syria and Syrian too.
	Forms   []string `yaml:"forms" jsonschema:"enum=de,enum=en"`
	Channel string   `yaml:"channel"`
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
}

// Spike is when a watcher's matches are news in themselves.
type Spike struct {
	Window Duration `yaml:"window"` // default 1h
	Factor float64  `yaml:"factor"` // default 3
	// Min is the fewest matches in a window that can be a spike
	// (default 5), so that 2 after a usual 0 is not one.
	Min int `yaml:"min"`
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

func elemPath(list string, i int, name string) string {
	if name != "" {
		return fmt.Sprintf("%s[%s]", list, name)
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

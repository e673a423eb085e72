// Package app wires newsbot together: it loads the config, compiles the
// watchers, opens the store and the notifier, and runs the pipeline
// (pipeline.go) once or on the watchers' schedules. It is the only package
// that sees all the others.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/store"
	"github.com/newsbot/newsbot/summary"
	"github.com/newsbot/newsbot/watchers"
)

// Store keeps what each watcher has seen and the outbox of alerts.
type Store interface {
	// Seen returns which of keys the watcher has seen before.
	Seen(ctx context.Context, watcher string, keys []string) (map[string]bool, error)
	// SeenSince returns which of keys the watcher first saw since then.
	SeenSince(ctx context.Context, watcher string, keys []string, since time.Time) (map[string]bool, error)
	// Primed reports whether the watcher has checked the source before.
	Primed(ctx context.Context, watcher, source string) (bool, error)
	// MarkSeen records keys as seen and the source as checked.
	MarkSeen(ctx context.Context, watcher, source string, keys []string) error
	// RecordAlert adds a pending alert and marks keys seen, atomically; it
	// returns news.ErrSeen, marking keys seen only, when the watcher has
	// seen the alert's URL before.
	RecordAlert(ctx context.Context, a *news.Alert, keys []string) error
	// HoldBack keeps an item whose page failed for a passing reason, for a
	// later try, and returns how often that happened; MarkSeen releases it.
	HoldBack(ctx context.Context, watcher string, item news.Item) (int, error)
	// HeldBack returns the watcher's held-back items.
	HeldBack(ctx context.Context, watcher string) ([]news.Item, error)
	// Alerted returns what the watcher last said about those of keys it
	// alerted on.
	Alerted(ctx context.Context, watcher string, keys []string) (map[string]news.Prior, error)
	// RecordFollowUp records a change to an alerted article: a reply in
	// the first alert's thread, or, while that is unsent, a new version of
	// it; a nil alert only keeps the item's new signature.
	RecordFollowUp(ctx context.Context, prior news.Prior, a *news.Alert, keys []string, sig string) error
	// RecordStory is RecordAlert for an alert that may tell a story the
	// watcher has: when, inside the transaction, check finds it, nothing
	// is recorded and that story is returned; otherwise the ID of the
	// alert's story record (0 for none).
	RecordStory(ctx context.Context, a *news.Alert, keys []string, check news.StoryCheck) (*news.StoryRef, int64, error)
	// RecentStories returns the stories the watcher alerted on since.
	RecentStories(ctx context.Context, watcher string, since time.Time) ([]news.StoryRef, error)
	// RecordAlsoReported records another outlet's version of a story:
	// into the first alert while unsent, else as a reply to it. A copy
	// (copied) from an outlet the story names is only seen (news.ErrSeen).
	RecordAlsoReported(ctx context.Context, first int64, a *news.Alert, keys []string, copied bool) (int64, error)
	// CountMatches counts the watcher's alerts on articles in [from, to).
	CountMatches(ctx context.Context, watcher string, from, to time.Time) (int, error)
	// RecentMatches returns the watcher's alerts on articles since then.
	RecentMatches(ctx context.Context, watcher string, since time.Time) ([]*news.Alert, error)
	// SpikeTold records a spike told now unless one was since then.
	SpikeTold(ctx context.Context, watcher string, now, since time.Time) (bool, error)
	// SpikeMessage records the message that told the watcher's spike.
	SpikeMessage(ctx context.Context, watcher string, alert int64) error
	// SpikeOver records, once, that a spike told before since is over,
	// and returns the message that told it (0: none to end).
	SpikeOver(ctx context.Context, watcher string, since time.Time) (int64, error)
	// WatcherRan records that the watcher checked its sources then.
	WatcherRan(ctx context.Context, watcher string, at time.Time) error
	// WatcherRuns returns when each watcher last checked its sources.
	WatcherRuns(ctx context.Context) (map[string]time.Time, error)
	// Mute has the watcher's alerts recorded, not posted, until then;
	// Unmute ends that, and Mutes returns the mutes in force.
	Mute(ctx context.Context, watcher string, until time.Time, by string) error
	Unmute(ctx context.Context, watcher string) (bool, error)
	Mutes(ctx context.Context) (map[string]news.Mute, error)
	// AlertsSince counts, by watcher, the alerts on articles since then,
	// all and muted.
	AlertsSince(ctx context.Context, since time.Time) (map[string]news.AlertCounts, error)
	// FailingSources returns the sources whose checks fail.
	FailingSources(ctx context.Context) ([]news.SourceFailure, error)
	// RecentAlerts returns the alerts on articles since then, newest first.
	RecentAlerts(ctx context.Context, since time.Time, limit int) ([]*news.Alert, error)
	// FirstMatch is when the watcher's first match was recorded.
	FirstMatch(ctx context.Context, watcher string) (time.Time, error)
	// TakeBudget counts a language model's summary against the day's
	// budget; false: the budget is spent.
	TakeBudget(ctx context.Context, max int) (bool, error)
	// ReturnBudget gives back one that was not spent.
	ReturnBudget(ctx context.Context) error
	// DigestSince is when the watcher's last digest was made.
	DigestSince(ctx context.Context, watcher string) (time.Time, error)
	// FoldDigest turns the alerts held for the watcher's digest into the
	// digest's messages, atomically, and returns how many it folded.
	// since is what DigestSince said; at becomes the digest's time.
	FoldDigest(ctx context.Context, watcher string, since, at time.Time, build func([]*news.Alert, time.Time) []*news.Alert) (int, error)
	// ReleaseHeld sends the alerts held for digests no watcher has.
	ReleaseHeld(ctx context.Context, digestWatchers []string) (int, error)
	// Pending returns the alerts to send, oldest first.
	Pending(ctx context.Context) ([]*news.Alert, error)
	// Claim takes an alert for sending; false means another process has.
	// It brings the alert up to date from the store.
	Claim(ctx context.Context, a *news.Alert) (bool, error)
	// SourceChecked keeps a source's health and says when to tell ops
	// ("down" after threshold failures in a row, "up" when it recovers).
	SourceChecked(ctx context.Context, source string, ok bool, threshold int) (news.HealthChange, time.Time, error)
	// SourceListed records a source's items and says how fresh it is.
	SourceListed(ctx context.Context, source string, keys []string, now time.Time) (news.Freshness, error)
	// MarkStale records whether ops was told the source has nothing new.
	MarkStale(ctx context.Context, source string, stale bool) error
	// Lease takes the lease on key for d unless another process holds it.
	Lease(ctx context.Context, l news.SourceLease, d time.Duration) (bool, error)
	// Counts returns how many alerts are in each status.
	Counts(ctx context.Context) (map[string]int, error)
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Prune forgets stories found before stories, and validators and
	// failed fetches not renewed since validators.
	Prune(ctx context.Context, stories, validators time.Time) (int64, error)
	MarkSent(ctx context.Context, id int64, ts string) error
	// MarkFailed records a failed attempt; permanent parks the alert.
	MarkFailed(ctx context.Context, id int64, reason string, f news.Failure) error
	Close() error
}

var _ Store = (*store.Store)(nil)

// Watcher is a configured watcher, compiled.
type Watcher struct {
	config.Watcher
	// query is the watchlist: any keyword, or the query, and no exclude,
	// bound to set, the matcher of all watchers' terms together.
	query   *match.Query
	set     *match.Set
	sources []watchers.Source
	// mu keeps two ticks of one watcher (the start-up one and a scheduled
	// one) from running at once and alerting twice.
	mu sync.Mutex
}

// Load reads and validates the config and compiles its watchers. When
// anything is wrong, the error is a config.Problems with every problem.
func Load(path string) (*config.Config, []*Watcher, error) {
	cfg, err := config.Load(path)
	var problems config.Problems
	if err != nil && !errors.As(err, &problems) || cfg == nil {
		return nil, nil, err
	}
	ws, err := compile(cfg)
	if err != nil {
		// A keyword the config already found wrong is reported once.
	next:
		for _, p := range err.(config.Problems) {
			for _, q := range problems {
				if q.Field == p.Field {
					continue next
				}
			}
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		problems.Sort()
		return nil, nil, problems
	}
	return cfg, ws, nil
}

func compile(cfg *config.Config) ([]*Watcher, error) {
	var problems config.Problems
	// Every synonym set's terms, used or not.
	for name, set := range cfg.Synonyms {
		for j, t := range set {
			if _, err := match.Compile([]string{t}); err != nil {
				problems = append(problems, cfg.Problem(fmt.Sprintf("synonyms.%s[%d]", name, j), "%v", err))
			}
		}
	}
	var ws []*Watcher
	for i, cw := range cfg.Watchers {
		p := cfg.WatcherPath(i)
		w := &Watcher{Watcher: cw}
		before := len(problems)
		for j, k := range cw.Keywords {
			if _, err := match.Compile([]string{k}); err != nil {
				problems = append(problems, cfg.Problem(fmt.Sprintf("%s.keywords[%d]", p, j), "%v", err))
			}
		}
		for j, k := range cw.Exclude {
			if _, err := match.Compile([]string{k}); err != nil {
				problems = append(problems, cfg.Problem(fmt.Sprintf("%s.exclude[%d]", p, j), "%v", err))
			}
		}
		if len(problems) > before {
			continue
		}
		spec := match.Spec{Keywords: cw.Keywords, Query: cw.Query, Exclude: cw.Exclude, Synonyms: cfg.Synonyms}
		if cw.Stem {
			spec.Stem = "auto"
			if cw.Lang != "" {
				spec.Stem = cw.Lang
			}
		}
		q, err := spec.Compile()
		if err != nil {
			// The keywords were checked above: this is the query's. Say
			// where in the YAML, and where in the query.
			problems = append(problems, cfg.Problem(p+".query", "%v", err))
			continue
		}
		w.query = q
		for _, name := range cw.Sources {
			s, _ := cfg.Source(name)
			w.sources = append(w.sources, watchers.Source{Name: s.Name, URL: s.URL, Type: s.Type, Links: s.Links,
				NoRobots: s.Robots != nil && !*s.Robots})
		}
		ws = append(ws, w)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if err := bindSet(ws); err != nil {
		return nil, err
	}
	return ws, nil
}

// bindSet compiles the watchers' watchlists into one matcher, so that an
// article is read once, whatever the number of watchers and terms.
func bindSet(ws []*Watcher) error {
	qs := make([]*match.Query, len(ws))
	for i, w := range ws {
		qs[i] = w.query
	}
	set, err := match.NewSet(qs...)
	if err != nil {
		return err
	}
	for i, w := range ws {
		w.query, w.set = set.Queries()[i], set
	}
	return nil
}

// Options are what main passes besides the config.
type Options struct {
	Logger *slog.Logger
	// Stdout receives alerts when no Slack token is set.
	Stdout io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics, when set, count what the app does (newsbot run's
	// /metrics); otherwise it counts for nobody.
	Metrics *Metrics
	// Leasing makes every tick take a lease on each source it checks,
	// as run's do (for the load benchmark; Run sets it anyway).
	Leasing bool
	// Public, for tests, says which addresses count as public ones (see
	// watchers.Fetcher.Public); nil: the internet's rules.
	Public func(netip.Addr) bool
}

// App is a loaded newsbot.
type App struct {
	cfg      *config.Config
	watchers []*Watcher
	log      *slog.Logger
	store    Store
	notifier bot.Notifier
	fetcher  *watchers.Fetcher
	now      func() time.Time
	// commands are the /newsbot commands running on this app, which a
	// reload lets finish before it closes the store.
	commands inFlight
	// deliverMu makes one delivery at a time, so that no alert is sent twice.
	deliverMu sync.Mutex
	// stopSending is set on an error that stops all sending (a bad token,
	// a wrong api_url): until the config changes, alerts stay pending.
	stopSending string
	stopped     atomic.Pointer[string] // stopSending, for /healthz
	// channelWait holds back channels that failed, until the time given.
	channelWait map[string]time.Time
	// lastPost is when each channel was last sent to, for pacing.
	lastPost map[string]time.Time
	// stopping is set when run is asked to stop: the message in flight is
	// finished, the rest stays pending for the next start.
	stopping atomic.Bool
	// llm writes summaries when the config has summarize; nil: newsbot's
	// own extractive summaries.
	llm *summary.LLM
	// leasing: ticks take a lease on each source they check, so that of
	// several replicas on one store, one checks it (Run sets it).
	leasing bool
	// metrics count what the app does.
	metrics *Metrics
	// scheduling: Run's scheduler runs; checked: its start-up check is
	// done.
	scheduling, checked atomic.Bool
	// pruned is when the store was last pruned (Unix seconds).
	pruned atomic.Int64
	// wake, set by Run, delivers again after a while: when a channel that
	// Slack rate-limited has rested.
	wake func(after time.Duration)
}

// New opens the store and the notifier for a loaded config.
func New(ctx context.Context, cfg *config.Config, ws []*Watcher, opts Options) (*App, error) {
	a := &App{cfg: cfg, watchers: ws, log: opts.Logger, now: opts.Now, metrics: opts.Metrics, leasing: opts.Leasing,
		channelWait: map[string]time.Time{}, lastPost: map[string]time.Time{}}
	if a.metrics == nil {
		a.metrics = NewMetrics()
	}
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if a.now == nil {
		a.now = time.Now
	}
	db, err := store.Open(ctx, cfg.Storage)
	if err != nil {
		return nil, err
	}
	a.store = db
	var digests []string
	for _, w := range ws {
		if w.DigestCron != nil {
			digests = append(digests, w.Name)
		}
	}
	if n, err := db.ReleaseHeld(ctx, digests); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		a.log.Info("alerts held for a digest that is no longer configured go out as alerts of their own", "alerts", n)
	}
	switch {
	case cfg.Slack.Token != "":
		a.notifier = bot.NewSlack(cfg.Slack.Token, cfg.Slack.APIURL, time.Duration(cfg.Slack.Timeout))
	case cfg.Slack.WebhookURL != "":
		a.notifier = bot.NewWebhook(cfg.Slack.WebhookURL, time.Duration(cfg.Slack.Timeout))
		chans := map[string]bool{}
		for _, w := range ws {
			chans[w.Channel] = true
		}
		if len(chans) > 1 {
			a.log.Warn("slack.webhook_url posts every alert to the webhook's own channel; the watchers' channels only label them", "channels", len(chans))
		}
	default:
		out := opts.Stdout
		if out == nil {
			out = os.Stdout
		}
		a.notifier = &bot.Stdout{W: out, Loc: cfg.Location}
		a.log.Warn("no Slack token set (slack.token is empty): printing alerts to stdout instead of posting them")
	}
	if s := cfg.Summarize; s != nil {
		a.llm = &summary.LLM{BaseURL: s.BaseURL, Model: s.Model, APIKey: s.APIKey, MaxTokens: s.MaxTokens,
			Client: &http.Client{Timeout: time.Duration(s.Timeout)}}
	}
	a.fetcher = NewFetcher(cfg)
	a.fetcher.Cache = db
	a.fetcher.Log = a.log
	a.fetcher.Public = opts.Public
	return a, nil
}

// NewFetcher returns the fetcher the config asks for.
func NewFetcher(cfg *config.Config) *watchers.Fetcher {
	ua := cfg.HTTP.UserAgent
	if ua == "" {
		contact := cmp.Or(cfg.HTTP.Contact, "https://github.com/newsbot/newsbot")
		ua = "newsbot/" + Version + " (media monitoring bot; +" + contact + ")"
	}
	f := watchers.NewFetcher(time.Duration(cfg.HTTP.Timeout), ua, int64(cfg.HTTP.MaxBody))
	f.Parallel = cfg.HTTP.Parallel
	f.HostConns = cfg.HTTP.HostConnections
	f.HostInterval = time.Duration(cfg.HTTP.HostInterval)
	f.Robots = cfg.HTTP.RobotsOn()
	f.AllowPrivate = cfg.HTTP.AllowPrivateNetworks
	urls := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		urls[i] = s.URL
	}
	f.Prepare(urls)
	return f
}

// Close closes the store.
func (a *App) Close() error { return a.store.Close() }

// Watchers returns the compiled watchers, or the one named name.
func (a *App) selectWatchers(name string) ([]*Watcher, error) {
	if name == "" {
		return a.watchers, nil
	}
	for _, w := range a.watchers {
		if w.Name == name {
			return []*Watcher{w}, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", config.ErrNoWatcher, name)
}

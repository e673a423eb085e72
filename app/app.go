// Package app wires newsbot together: it loads the config, compiles the
// watchers, opens the store and the notifier, and runs the pipeline
// (package pipeline) and delivery (package deliver) once or on the
// watchers' schedules. It holds the command line (cli.go), newsbot run's
// daemon (serve.go) and /newsbot (commands.go, slash.go). It is the only
// package that sees all the others.
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
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/deliver"
	"github.com/newsbot/newsbot/pipeline"
	"github.com/newsbot/newsbot/store"
	"github.com/newsbot/newsbot/summary"
	"github.com/newsbot/newsbot/watchers"
)

// Load reads and validates the config and compiles its watchers. When
// anything is wrong, the error is a config.Problems with every problem.
func Load(path string) (*config.Config, []*pipeline.Watcher, error) {
	cfg, err := config.Load(path)
	var problems config.Problems
	if err != nil && !errors.As(err, &problems) || cfg == nil {
		return nil, nil, err
	}
	ws, err := pipeline.Compile(cfg)
	var ps config.Problems
	if errors.As(err, &ps) {
		// A keyword the config already found wrong is reported once.
	next:
		for _, p := range ps {
			for _, q := range problems {
				if q.Field == p.Field {
					continue next
				}
			}
			problems = append(problems, p)
		}
	} else if err != nil {
		return nil, nil, err
	}
	if len(problems) > 0 {
		// What may be a mistake is said beside what is one.
		problems = append(problems, cfg.Warnings()...)
		problems.Sort()
		return nil, nil, problems
	}
	return cfg, ws, nil
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

// App is a loaded newsbot: its store, its pipeline and its delivery.
type App struct {
	cfg      *config.Config
	watchers []*pipeline.Watcher
	log      *slog.Logger
	store    *store.Store
	notifier deliver.Notifier
	fetcher  *watchers.Fetcher
	now      func() time.Time
	pipeline *pipeline.Pipeline
	deliver  *deliver.Deliverer
	// commands are the /newsbot commands running on this app, which a
	// reload lets finish before it closes the store.
	commands inFlight
	// metrics count what the app does.
	metrics *Metrics
	// scheduling: Run's scheduler runs; checked: its start-up check is
	// done.
	scheduling, checked atomic.Bool
	// replaced: a reload's new app takes over when this one stops.
	replaced atomic.Bool
	// running is Run's context while it runs (WebSub pushes are
	// processed within it); pushing bounds the pushes processed at once.
	running atomic.Pointer[context.Context]
	pushing chan struct{}
}

// New opens the store and the notifier for a loaded config, and readies
// the pipeline and delivery.
func New(ctx context.Context, cfg *config.Config, ws []*pipeline.Watcher, opts Options) (*App, error) {
	a := &App{cfg: cfg, watchers: ws, log: opts.Logger, now: opts.Now, metrics: opts.Metrics, pushing: make(chan struct{}, maxPushes)}
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
	if err := a.releaseHeld(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.notifier = a.newNotifier(opts.Stdout)
	a.fetcher = NewFetcher(cfg)
	a.fetcher.Cache = db
	a.fetcher.RobotsStore = db
	if err := a.fetcher.LoadRobots(ctx); err != nil {
		a.log.Warn("the robots.txt kept could not be read: sites are asked again", "error", err)
	}
	a.fetcher.Log = a.log
	a.fetcher.Public = opts.Public
	a.fetcher.FindHubs = cfg.WebSub.CallbackURL != "" // the hubs to subscribe to
	_, terminal := a.notifier.(*bot.Stdout)
	// One clock for all, which tests may set.
	clock := func() time.Time { return a.now() }
	a.deliver = &deliver.Deliverer{Outbox: db, Notifier: a.notifier, Log: a.log, Now: clock,
		Pace: time.Duration(cfg.Slack.Pace), Webhook: cfg.Slack.WebhookURL != "", OpsChannel: cfg.Slack.OpsChannel,
		Count: a.metrics.sent, Latency: a.metrics.alertLatency, Prepare: a.foldDigests, LookAfter: 2 * time.Duration(cfg.Slack.Timeout)}
	if terminal {
		a.deliver.Pace = 0 // a terminal takes them all at once
	}
	a.pipeline = &pipeline.Pipeline{Config: cfg, Store: db, Fetcher: a.fetcher, Ops: a.deliver, Metrics: a.metrics,
		Log: a.log, Now: clock, Leasing: opts.Leasing, Deliver: a.Deliver}
	if s := cfg.Summarize; s != nil {
		a.pipeline.LLM = &summary.LLM{BaseURL: s.BaseURL, Model: s.Model, APIKey: s.APIKey, MaxTokens: s.MaxTokens,
			Client: &http.Client{Timeout: time.Duration(s.Timeout)}}
	}
	return a, nil
}

// releaseHeld sends the alerts held for a digest that no watcher has any
// more as alerts of their own.
func (a *App) releaseHeld(ctx context.Context) error {
	var digests []string
	for _, w := range a.watchers {
		if w.Digest != nil {
			digests = append(digests, w.Name)
		}
	}
	n, err := a.store.ReleaseHeld(ctx, digests)
	if err == nil && n > 0 {
		a.log.Info("alerts held for a digest that is no longer configured go out as alerts of their own", "alerts", n)
	}
	return err
}

// newNotifier is what the config sends alerts with: Slack's Web API, an
// incoming webhook, or, with neither, stdout.
func (a *App) newNotifier(stdout io.Writer) deliver.Notifier {
	cfg := a.cfg
	switch {
	case cfg.Slack.Token != "":
		return bot.NewSlack(cfg.Slack.Token, cfg.Slack.APIURL, time.Duration(cfg.Slack.Timeout))
	case cfg.Slack.WebhookURL != "":
		chans := map[string]bool{}
		for _, w := range a.watchers {
			chans[w.Channel] = true
		}
		if len(chans) > 1 {
			a.log.Warn("slack.webhook_url posts every alert to the webhook's own channel; the watchers' channels only label them", "channels", len(chans))
		}
		return bot.NewWebhook(cfg.Slack.WebhookURL, time.Duration(cfg.Slack.Timeout))
	}
	a.log.Warn("no Slack token set (slack.token is empty): printing alerts to stdout instead of posting them")
	if stdout == nil {
		stdout = os.Stdout
	}
	return &bot.Stdout{W: stdout, Loc: cfg.Location()}
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
func (a *App) selectWatchers(name string) ([]*pipeline.Watcher, error) {
	if name == "" {
		return a.watchers, nil
	}
	for _, w := range a.watchers {
		if w.Name == name {
			return []*pipeline.Watcher{w}, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", config.ErrNoWatcher, name)
}

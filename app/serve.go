package app

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/pipeline"
)

// Daemon is newsbot run: the app for the config at Path, on its
// schedule, with /metrics, /healthz and /readyz on http.listen, and the
// config read again on Reload (SIGHUP) and when the file changes. A valid
// new config replaces the running one between ticks; an invalid one is
// refused with validate's messages, on Stderr, and the running one goes
// on.
type Daemon struct {
	Path string
	// Config and Watchers, when set, are the config as already loaded
	// from Path (newsbot run has checked it); else Run loads it.
	Config   *config.Config
	Watchers []*pipeline.Watcher
	Options  Options
	Stderr   io.Writer
	// Reload asks for the config to be read again.
	Reload <-chan os.Signal
	// Poll is how often the config file is looked at for a change;
	// 0 means every 2 s.
	Poll time.Duration

	app       atomic.Pointer[App]
	reloading atomic.Bool
	metrics   *Metrics
	cmdsOnce  sync.Once
	cmds      *commands
	// closing are the apps a reload replaced, closing once their
	// commands are done.
	closing inFlight
}

// Run runs until ctx ends. It returns an error when the first config
// cannot be loaded or its app started, or the listener not opened.
func (d *Daemon) Run(ctx context.Context) error {
	cfg, ws := d.Config, d.Watchers
	if cfg == nil {
		var err error
		if cfg, ws, err = Load(d.Path); err != nil {
			return err
		}
	}
	sum := fileSum(d.Path)
	d.metrics = NewMetrics()
	opts := d.Options
	opts.Metrics = d.metrics
	log := opts.Logger
	a, err := New(ctx, cfg, ws, opts)
	if err != nil {
		return err
	}
	// The app answers before the listener opens: a request that comes as
	// soon as newsbot says it listens finds it.
	d.app.Store(a)
	if cfg.HTTP.Listen != "" {
		ln, err := net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			a.Close()
			return fmt.Errorf("http.listen: %w", err)
		}
		// /slack/commands may face the internet: a client that trickles
		// its request holds nothing for long.
		srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go srv.Serve(ln)
		defer srv.Close()
		what := "/metrics, /healthz and /readyz"
		if cfg.Slack.SigningSecret != "" {
			what += ", and /newsbot at POST /slack/commands"
		}
		log.Info("serving "+what, "listen", ln.Addr().String())
	}
	poll := d.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	// /newsbot over Socket Mode, for as long as the config has the same
	// app token; started again when a reload changes it.
	var socketKey string
	stopSocket := func() {}
	defer func() { stopSocket() }()
	for {
		d.app.Store(a)
		if key := slashKey(a); key != socketKey {
			stopSocket()
			socketKey, stopSocket = key, func() {}
			if key != "" {
				sctx, cancel := context.WithCancel(ctx)
				done := make(chan struct{})
				appToken, botToken, apiURL := a.cfg.Slack.AppToken, a.cfg.Slack.Token, a.cfg.Slack.APIURL
				go func() {
					defer close(done)
					d.commands().socketMode(sctx, appToken, botToken, apiURL, log)
				}()
				stopSocket = func() { cancel(); <-done }
			}
		}
		d.reloading.Store(false)
		counts := a.store.Counts
		d.metrics.outbox.Store(&counts)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- a.Run(runCtx) }()
		var next *App
		for next == nil {
			select {
			case err := <-done:
				stop()
				a.commands.drain(5 * time.Second)
				a.Close()
				d.closing.drain(5 * time.Second)
				return err
			case <-d.Reload:
				log.Info("reloading the config (SIGHUP)", "config", d.Path)
				next = d.reload(ctx, cfg, opts, &sum)
			case <-ticker.C:
				if s := fileSum(d.Path); s != sum && s != "" {
					log.Info("the config file changed: reloading it", "config", d.Path)
					next = d.reload(ctx, cfg, opts, &sum)
				}
			}
		}
		// The new app is ready: the old one finishes the work in flight
		// (as on SIGTERM) and gives way. Meanwhile health says reloading.
		d.reloading.Store(true)
		a.replaced.Store(true)
		stop()
		<-done
		// Its leases go with it: the new app's first tick checks every
		// source instead of finding them held "by another replica".
		if err := a.store.ReleaseLeases(ctx); err != nil {
			log.Warn("the old config's leases stay until they run out", "err", err)
		}
		// New commands go to the new app; those running on the old one
		// finish before its store closes, which the new one does not wait
		// for.
		d.app.Store(next)
		d.closing.begin()
		go func(old *App) {
			defer d.closing.end()
			old.commands.drain(commandTimeout)
			old.Close()
		}(a)
		d.metrics.forget(cfg, next.cfg)
		a, cfg = next, next.cfg
		log.Info("config reloaded", "config", d.Path, "watchers", len(a.watchers))
	}
}

// reload loads the config again and opens an app for it; on any problem
// it says why (validate's messages) and returns nil, and the running app
// goes on. sum is the file's checksum, kept for what was looked at.
func (d *Daemon) reload(ctx context.Context, old *config.Config, opts Options, sum *string) (next *App) {
	seen := fileSum(d.Path)
	// Nothing in a config may end the daemon: a panic in loading it is a
	// refusal like any other.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(d.Stderr, "newsbot: %s could not be loaded (%v); still running the config loaded before\n", d.Path, r)
			*sum, next = seen, nil
		}
	}()
	cfg, ws, err := Load(d.Path)
	if err != nil {
		fmt.Fprintf(d.Stderr, "newsbot: %s is not valid; still running the config loaded before:\n", d.Path)
		var ps config.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				fmt.Fprintln(d.Stderr, p)
			}
		} else {
			fmt.Fprintln(d.Stderr, "newsbot:", err)
		}
		*sum = seen // refused as it is: again when it changes
		return nil
	}
	for _, w := range cfg.Warnings() {
		opts.Logger.Warn(w.String())
	}
	if cfg.HTTP.Listen != old.HTTP.Listen {
		opts.Logger.Warn("http.listen changed: it takes effect when newsbot is restarted", "listening", old.HTTP.Listen, "new", cfg.HTTP.Listen)
	}
	a, err := New(ctx, cfg, ws, opts)
	if err != nil {
		// Tried again at the next look at the file, or SIGHUP.
		fmt.Fprintf(d.Stderr, "newsbot: the new config could not be started (%v); still running the config loaded before\n", err)
		return nil
	}
	*sum = seen
	return a
}

// inFlight counts work in progress (an app's /newsbot commands, the
// closing of apps a reload replaced), so that what it needs is closed
// only when that is done.
type inFlight struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

// begin counts one more, unless the work is draining.
func (f *inFlight) begin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return false
	}
	f.wg.Add(1)
	return true
}

func (f *inFlight) end() { f.wg.Done() }

// drain refuses new work and waits, at most d, for what is in progress.
func (f *inFlight) drain(d time.Duration) {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	idle := make(chan struct{})
	go func() { f.wg.Wait(); close(idle) }()
	select {
	case <-idle:
	case <-time.After(d):
	}
}

// fileSum is a checksum of the file's content; "" when it can't be read.
func fileSum(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(b)
	return string(h[:])
}

// commands is the daemon's runner of /newsbot commands.
func (d *Daemon) commands() *commands {
	d.cmdsOnce.Do(func() { d.cmds = newCommands(d) })
	return d.cmds
}

// Handler serves /metrics (Prometheus), /healthz, /readyz, /newsbot at
// POST /slack/commands, and WebSub's callbacks at /websub/ID.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", d.commands())
	// WebSub: a hub's verifications and pushes (app/websub.go).
	webSub := func(w http.ResponseWriter, r *http.Request) {
		a := d.app.Load()
		if a == nil {
			http.Error(w, "newsbot is starting", http.StatusServiceUnavailable)
			return
		}
		a.serveWebSub(w, r, r.PathValue("id"))
	}
	mux.HandleFunc("GET /websub/{id}", webSub)
	mux.HandleFunc("POST /websub/{id}", webSub)
	// A metric that can't be had (the store is down) leaves the others.
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		h := d.health(r.Context())
		writeHealth(w, h, h.Store == "ok" && h.Scheduler == "running" && h.Slack != "stopped")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		h := d.health(r.Context())
		writeHealth(w, h, h.Store == "ok" && h.Scheduler == "running" && h.Checked && !d.reloading.Load())
	})
	return mux
}

// Health is what /healthz and /readyz say.
type Health struct {
	Store     string `json:"store"`     // "ok", or the error
	Scheduler string `json:"scheduler"` // "running" or "stopped"
	Slack     string `json:"slack"`     // "ok", "stopped" (Slack refused newsbot itself), "stdout"
	Reason    string `json:"reason,omitempty"`
	// Checked: the start-up check of every watcher is done.
	Checked bool `json:"checked"`
}

func (d *Daemon) health(ctx context.Context) Health {
	a := d.app.Load()
	if a == nil {
		return Health{Store: "not open", Scheduler: "stopped", Slack: "unknown"}
	}
	if d.reloading.Load() {
		// The old app finishes its work, the new one is open: healthy,
		// and ready once the new one has checked.
		return Health{Store: "ok", Scheduler: "running", Slack: "ok", Reason: "reloading the config"}
	}
	h := Health{Store: "ok", Scheduler: "stopped", Slack: "ok", Checked: a.checked.Load()}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		h.Store = err.Error()
	}
	if a.scheduling.Load() {
		h.Scheduler = "running"
	}
	switch reason := a.deliver.Stopped(); {
	case reason != "":
		h.Slack, h.Reason = "stopped", reason
	case a.cfg.Slack.Token == "" && a.cfg.Slack.WebhookURL == "":
		h.Slack = "stdout"
	}
	return h
}

func writeHealth(w http.ResponseWriter, h Health, ok bool) {
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	json.NewEncoder(w).Encode(h)
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newsbot/newsbot/pipeline"
	"github.com/robfig/cron/v3"
)

// ShutdownGrace is how long Run lets in-flight work finish after a signal
// before it cancels it.
const ShutdownGrace = 5 * time.Second

// Once checks every watcher (or the one named) now, delivers what matched,
// and returns what it did.
//
// It returns only when every deliverable alert is sent or parked, or when
// wait has passed (then Stats.GaveUp is set and the rest stays pending for
// the next run).
func (a *App) Once(ctx context.Context, watcher string, wait time.Duration) (*pipeline.Stats, error) {
	ws, err := a.selectWatchers(watcher)
	if err != nil {
		return nil, err
	}
	st := &pipeline.Stats{}
	a.pipeline.Tick(ctx, ws, st)
	deadline := time.Now().Add(wait)
	for st.Pending.Load() > 0 && a.deliver.Stopped() == "" && ctx.Err() == nil {
		if !time.Now().Before(deadline) {
			st.GaveUp = true
			break
		}
		// Wait for the first channel that rests to be ready again.
		next := a.deliver.NextReady(deadline)
		select {
		case <-time.After(max(time.Until(next), 100*time.Millisecond)):
		case <-ctx.Done():
		}
		a.Deliver(ctx, st)
	}
	return st, nil
}

// Run checks every watcher once at start, then on its schedule, until ctx
// ends; it then lets running checks finish (for up to ShutdownGrace) and
// returns. Watchers with the same schedule share one tick, so a source
// they share is fetched once.
func (a *App) Run(ctx context.Context) error {
	// Work gets its own context, so that a signal stops new ticks at once
	// but lets the tick in flight finish.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	a.pipeline.Leasing = true

	logger := cronLogger{a.log}
	c := cron.New(
		cron.WithLocation(a.cfg.Location()),
		cron.WithParser(cronParser{a}),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)),
		cron.WithLogger(logger),
	)
	groups := map[string][]*pipeline.Watcher{}
	for _, w := range a.watchers {
		groups[w.Schedule] = append(groups[w.Schedule], w)
	}
	specs := make([]string, 0, len(groups))
	for spec := range groups {
		specs = append(specs, spec)
	}
	sort.Strings(specs)
	for _, spec := range specs {
		ws := groups[spec]
		job := func() { a.tick(work, ws, spec) }
		if _, err := c.AddJob(spec, cron.FuncJob(job)); err != nil {
			return fmt.Errorf("schedule %q: %w", spec, err)
		}
	}

	// A channel that rests (a rate limit, an outage) is tried again as
	// soon as it may be, not at the next minute: one timer, set to the
	// earliest rest's end.
	var stopping atomic.Bool
	var wakeMu sync.Mutex
	var wakeTimer *time.Timer
	var wakeAt time.Time
	a.deliver.SetWake(func(after time.Duration) {
		wakeMu.Lock()
		defer wakeMu.Unlock()
		at := time.Now().Add(after + 10*time.Millisecond)
		if wakeTimer != nil && wakeAt.After(time.Now()) && !at.Before(wakeAt) {
			return // an earlier wake comes anyway
		}
		if wakeTimer != nil {
			wakeTimer.Stop()
		}
		wakeAt = at
		wakeTimer = time.AfterFunc(time.Until(at), func() {
			if stopping.Load() {
				return
			}
			st := &pipeline.Stats{}
			a.Deliver(work, st)
			if st.Sent.Load() > 0 || st.SendErrs.Load() > 0 {
				a.log.Info("sent pending alerts after a rate limit", "sent", st.Sent.Load(), "errors", st.SendErrs.Load())
			}
		})
	})

	// Retry what is still pending now and then, in case Slack was down.
	c.AddFunc("@every 1m", func() {
		st := &pipeline.Stats{}
		a.Deliver(work, st)
		if st.Sent.Load() > 0 || st.SendErrs.Load() > 0 {
			a.log.Info("sent pending alerts (retries, digests, the end of quiet hours)", "sent", st.Sent.Load(), "errors", st.SendErrs.Load())
		}
	})

	a.log.Info("newsbot running", "watchers", len(a.watchers), "schedules", len(groups), "timezone", a.cfg.Location().String())
	first := make(chan struct{})
	go func() {
		defer close(first)
		a.tick(work, a.watchers, "start")
		a.checked.Store(true)
	}()
	c.Start()
	a.scheduling.Store(true)

	<-ctx.Done()
	a.scheduling.Store(false)
	stopping.Store(true)
	a.deliver.Stopping()
	a.log.Info("shutting down: finishing the work in flight")
	stopped := c.Stop()
	timer := time.NewTimer(ShutdownGrace)
	defer timer.Stop()
	// A delivery the wake timer started is waited for too; then the
	// timer is stopped.
	delivering := make(chan struct{})
	go func() {
		a.deliver.SetWake(nil)
		wakeMu.Lock()
		if wakeTimer != nil {
			wakeTimer.Stop()
		}
		wakeMu.Unlock()
		close(delivering)
	}()
	for _, done := range []<-chan struct{}{first, stopped.Done(), delivering} {
		select {
		case <-done:
		case <-timer.C:
			a.log.Warn("work in flight did not finish in time; cancelling it", "grace", ShutdownGrace)
			cancelWork()
			<-done
		}
	}
	return nil
}

// tick is a tick of the watchers of a schedule ("start": of all, at
// start), logged and measured.
func (a *App) tick(ctx context.Context, ws []*pipeline.Watcher, schedule string) {
	st := &pipeline.Stats{}
	start := time.Now()
	a.pipeline.Tick(ctx, ws, st)
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Name
	}
	a.metrics.tickSeconds.WithLabelValues(schedule).Observe(time.Since(start).Seconds())
	a.log.Info("tick done: "+st.String(), "watchers", strings.Join(names, ","), "took", time.Since(start).Round(time.Millisecond))
}

// cronParser parses schedules in the config's time zone.
type cronParser struct{ a *App }

func (p cronParser) Parse(spec string) (cron.Schedule, error) {
	for _, w := range p.a.watchers {
		if w.Schedule == spec && w.Cron != nil {
			return w.Cron, nil
		}
	}
	return cron.ParseStandard(spec)
}

// cronLogger sends cron's own messages to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "error", err)...)
}

// Tick checks the given watchers once, as a tick of run does, and counts
// what it did in st (for the load benchmark).
func (a *App) Tick(ctx context.Context, ws []*pipeline.Watcher, st *pipeline.Stats) {
	a.pipeline.Tick(ctx, ws, st)
}

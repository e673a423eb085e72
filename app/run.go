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
// It returns when every deliverable alert is sent or parked, or when
// timeout has passed since it began, checking or delivering (then
// Stats.GaveUp is set: sources not reached are checked next run, and the
// alerts not sent stay pending for it). Stats.Pending then counts the
// alerts left in the outbox, whatever stopped it.
func (a *App) Once(ctx context.Context, watcher string, timeout time.Duration) (*pipeline.Stats, error) {
	ws, err := a.selectWatchers(watcher)
	if err != nil {
		return nil, err
	}
	st := &pipeline.Stats{}
	run, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a.pipeline.Tick(run, ws, st)
	for st.Pending.Load() > 0 && a.deliver.Stopped() == "" && run.Err() == nil {
		// Wait for the first channel that rests to be ready again.
		deadline, _ := run.Deadline()
		next := a.deliver.NextReady(deadline)
		select {
		case <-time.After(max(time.Until(next), 100*time.Millisecond)):
		case <-run.Done():
		}
		a.Deliver(run, st)
	}
	st.GaveUp = ctx.Err() == nil && run.Err() != nil
	// Counted again in the outbox: a delivery cut short knows not what
	// it left.
	count, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer done()
	pending, quiet, err := a.deliver.Outstanding(count)
	if err != nil {
		st.StoreErrs.Add(1)
		a.log.Error("counting the pending alerts failed", "error", err)
		return st, nil
	}
	st.Pending.Store(int64(pending))
	st.Quiet.Store(int64(quiet))
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
	a.running.Store(&work)
	defer a.running.Store(nil)
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
		// A schedule's tick and its early checks run one at a time.
		var mu sync.Mutex
		job := func() {
			mu.Lock()
			defer mu.Unlock()
			a.tick(work, ws, spec)
		}
		if _, err := c.AddJob(spec, cron.FuncJob(job)); err != nil {
			return fmt.Errorf("schedule %q: %w", spec, err)
		}
		if a.cfg.Polling.On() {
			// Sources that publish often are checked early (poll.go),
			// looked for every half polling.fastest.
			early := func() {
				if !a.checked.Load() || !mu.TryLock() {
					return // the start-up check, or the tick, does it
				}
				defer mu.Unlock()
				now := time.Now()
				if due := a.pipeline.Due(ws, now, nextRun(ws, now)); len(due) > 0 {
					a.tickEarly(work, due, spec)
				}
			}
			c.Schedule(cron.Every(max(time.Duration(a.cfg.Polling.Fastest)/2, time.Second)), cron.FuncJob(early))
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

	if a.cfg.WebSub.CallbackURL != "" {
		// Subscriptions to the hubs feeds name, renewals, and ends.
		c.AddFunc("@every 1m", func() {
			if a.checked.Load() {
				a.syncWebSub(work)
			}
		})
	}

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
		a.syncWebSub(work) // the hubs the feeds named
	}()
	c.Start()
	a.scheduling.Store(true)

	<-ctx.Done()
	a.scheduling.Store(false)
	stopping.Store(true)
	a.deliver.Stopping()
	if a.replaced.Load() {
		a.log.Info("reloading: the old config finishes the work in flight")
	} else {
		a.log.Info("shutting down: finishing the work in flight")
	}
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
	st, took := a.timedTick(ctx, ws, a.pipeline.Tick)
	a.metrics.tickSeconds.WithLabelValues(schedule).Observe(took.Seconds())
	a.log.Info("tick done: "+st.String(), "watchers", watcherNames(ws), "took", took.Round(time.Millisecond),
		"next", nextTick(ws, time.Now(), a.cfg.Location()))
}

// tickEarly checks the sources of a schedule's watchers that are due
// before their tick (adaptive polling). Its line is logged when it found
// something, or failed.
func (a *App) tickEarly(ctx context.Context, ws []*pipeline.Watcher, schedule string) {
	st, took := a.timedTick(ctx, ws, a.pipeline.TickEarly)
	checked, failed, _ := st.Sources()
	log := a.log.Debug
	if st.New.Load() > 0 || failed > 0 || st.StoreErrs.Load() > 0 {
		log = a.log.Info
	}
	log("early check (sources that publish often): "+st.String(), "watchers", watcherNames(ws), "sources", checked,
		"took", took.Round(time.Millisecond), "schedule", schedule)
}

// timedTick ticks the watchers and says what it did and how long it took.
func (a *App) timedTick(ctx context.Context, ws []*pipeline.Watcher, tick func(context.Context, []*pipeline.Watcher, *pipeline.Stats)) (*pipeline.Stats, time.Duration) {
	st := &pipeline.Stats{}
	start := time.Now()
	tick(ctx, ws, st)
	return st, time.Since(start)
}

// watcherNames are the watchers' names, for the log.
func watcherNames(ws []*pipeline.Watcher) string {
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = w.Name
	}
	return strings.Join(names, ",")
}

// nextRun is when the watchers tick next; zero: never.
func nextRun(ws []*pipeline.Watcher, now time.Time) time.Time {
	var next time.Time
	for _, w := range ws {
		if w.Cron == nil {
			continue
		}
		if t := w.Cron.Next(now); next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

// nextTick says when the watchers tick next, in the config's zone: the
// time, with the date when it is not today.
func nextTick(ws []*pipeline.Watcher, now time.Time, loc *time.Location) string {
	next := nextRun(ws, now)
	if next.IsZero() {
		return "never"
	}
	next, now = next.In(loc), now.In(loc)
	if next.YearDay() == now.YearDay() && next.Year() == now.Year() {
		return next.Format("15:04:05")
	}
	return next.Format("2006-01-02 15:04")
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

package pipeline

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/newsbot/newsbot/internal/textutil"
)

// Stats count what a run did.
type Stats struct {
	mu      sync.Mutex
	sources map[string]sourceState // source name → how its check went (a failure on any watcher wins)
	logged  sync.Map               // keys of warnings given in this run

	New    atomic.Int64 // items not seen before
	Primed atomic.Int64 // items recorded without alerting on a first check
	Left   atomic.Int64 // new items left for the next checks (max_items)
	// recorded counts what was put in the outbox (alerts, follow-ups,
	// other outlets' versions, spikes), for a delivery after a check
	// that recorded something.
	recorded  atomic.Int64
	Matches   atomic.Int64
	Updates   atomic.Int64 // follow-ups on articles alerted before
	Also      atomic.Int64 // other outlets' versions of stories alerted
	Sent      atomic.Int64
	SendErrs  atomic.Int64 // failed sends (not rate limits: Slack's way of saying later)
	Parked    atomic.Int64 // alerts parked as failed: they will never be sent
	StoreErrs atomic.Int64 // failures of the store
	Pending   atomic.Int64 // alerts left for a later attempt
	Quiet     atomic.Int64 // alerts held for their watcher's quiet hours
	ForDigest atomic.Int64 // matches kept for their watcher's digest
	Muted     atomic.Int64 // matches recorded, not posted: the watcher is muted
	Elsewhere atomic.Int64 // source checks another replica made this tick
	GaveUp    bool         // once stopped waiting for Slack (see App.Once)
	// Unchecked is how many sources a check cut short (a signal, once's
	// --timeout) did not get to.
	Unchecked int
}

// sourceState is how a source's check went in a run.
type sourceState int8

const (
	sourceOK      sourceState = iota
	sourceWaiting             // the publisher asked newsbot to wait (429, 503 with Retry-After)
	sourceFailed
)

// LogOnce logs a warning the first time key comes up in the run, and at
// debug level after: an article shared by several watchers fails once.
func (s *Stats) LogOnce(log *slog.Logger, key, msg string, args ...any) {
	if _, dup := s.logged.LoadOrStore(key, true); dup {
		log.Debug(msg, args...)
		return
	}
	log.Warn(msg, args...)
}

// source records that a source was checked, and how it went; it reports
// whether this is the first time in the run that it did not answer.
func (s *Stats) source(name string, state sourceState) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sources == nil {
		s.sources = map[string]sourceState{}
	}
	prev, seen := s.sources[name]
	if !seen || state > prev {
		s.sources[name] = state
	}
	return state != sourceOK && (!seen || prev == sourceOK)
}

// notReached counts the sources a check cut short did not get to, of
// those the tick's watchers read.
func (s *Stats) notReached(sources map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range sources {
		if _, ok := s.sources[name]; !ok {
			s.Unchecked++
		}
	}
}

// Sources returns how many sources were checked, how many failed, and
// how many asked newsbot to wait (not a failure: they are checked again
// when the time they asked for has passed).
func (s *Stats) Sources() (checked, failed, waiting int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.sources {
		checked++
		switch st {
		case sourceFailed:
			failed++
		case sourceWaiting:
			waiting++
		}
	}
	return checked, failed, waiting
}

// String is the one line a run ends with.
func (s *Stats) String() string {
	var b strings.Builder
	checked, failed, waiting := s.Sources()
	b.WriteString(textutil.Plural(int64(checked), "source") + " checked")
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	if waiting > 0 {
		fmt.Fprintf(&b, " (%d asked newsbot to wait)", waiting)
	}
	if s.Unchecked > 0 {
		fmt.Fprintf(&b, " (%d not reached: cut short)", s.Unchecked)
	}
	if n := s.Elsewhere.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d by another replica)", n)
	}
	b.WriteString(", " + textutil.Plural(s.New.Load(), "new item"))
	if n := s.Primed.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d recorded without alerts on a first check, first_run: skip)", n)
	}
	if n := s.Left.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d left for the next checks: max_items)", n)
	}
	b.WriteString(", " + textutil.Plural(s.Matches.Load(), "match"))
	if n := s.Muted.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d recorded, not posted: muted from Slack)", n)
	}
	if n := s.Updates.Load(); n > 0 {
		b.WriteString(", " + textutil.Plural(n, "follow-up"))
	}
	if n := s.Also.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d also reported by another outlet (folded into its story)", n)
	}
	if n := s.ForDigest.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d kept for a digest)", n)
	}
	b.WriteString(", " + textutil.Plural(s.Sent.Load(), "alert") + " sent")
	if n := s.Pending.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d pending", n)
	}
	if n := s.Parked.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d parked as undeliverable", n)
	}
	if n := s.Quiet.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d held for quiet hours", n)
	}
	b.WriteString(", " + textutil.Plural(int64(failed)+s.SendErrs.Load()+s.StoreErrs.Load(), "error"))
	return b.String()
}

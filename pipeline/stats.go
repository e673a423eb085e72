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
	sources map[string]bool // source name → checked fine (a failure on any watcher wins)
	logged  sync.Map        // keys of warnings given in this run

	New       atomic.Int64 // items not seen before
	Primed    atomic.Int64 // items recorded without alerting on a first check
	Matches   atomic.Int64
	Updates   atomic.Int64 // follow-ups on articles alerted before
	Also      atomic.Int64 // other outlets' versions of stories alerted
	Sent      atomic.Int64
	SendErrs  atomic.Int64
	StoreErrs atomic.Int64 // failures of the store
	Pending   atomic.Int64 // alerts left for a later attempt
	Quiet     atomic.Int64 // alerts held for their watcher's quiet hours
	ForDigest atomic.Int64 // matches kept for their watcher's digest
	Muted     atomic.Int64 // matches recorded, not posted: the watcher is muted
	Elsewhere atomic.Int64 // source checks another replica made this tick
	GaveUp    bool         // once stopped waiting for Slack (see App.Once)
}

// LogOnce logs a warning the first time key comes up in the run, and at
// debug level after: an article shared by several watchers fails once.
func (s *Stats) LogOnce(log *slog.Logger, key, msg string, args ...any) {
	if _, dup := s.logged.LoadOrStore(key, true); dup {
		log.Debug(msg, args...)
		return
	}
	log.Warn(msg, args...)
}

// source records that a source was checked, and whether it answered; it
// reports whether this is the first failure of the source in the run.
func (s *Stats) source(name string, ok bool) (first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sources == nil {
		s.sources = map[string]bool{}
	}
	prev, seen := s.sources[name]
	if !seen || prev {
		s.sources[name] = ok
	}
	return !ok && (!seen || prev)
}

// Sources returns how many sources were checked and how many failed.
func (s *Stats) Sources() (checked, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ok := range s.sources {
		checked++
		if !ok {
			failed++
		}
	}
	return checked, failed
}

// String is the one line a run ends with.
func (s *Stats) String() string {
	var b strings.Builder
	checked, failed := s.Sources()
	b.WriteString(textutil.Plural(int64(checked), "source") + " checked")
	if failed > 0 {
		fmt.Fprintf(&b, " (%d failed)", failed)
	}
	if n := s.Elsewhere.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d by another replica)", n)
	}
	b.WriteString(", " + textutil.Plural(s.New.Load(), "new item"))
	if n := s.Primed.Load(); n > 0 {
		fmt.Fprintf(&b, " (%d recorded without alerts on a first check, first_run: skip)", n)
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
	if n := s.Quiet.Load(); n > 0 {
		fmt.Fprintf(&b, ", %d held for quiet hours", n)
	}
	b.WriteString(", " + textutil.Plural(int64(failed)+s.SendErrs.Load()+s.StoreErrs.Load(), "error"))
	return b.String()
}

package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// healthStore is what keeping sources' health needs of the store.
type healthStore interface {
	// SourceChecked keeps a source's health and says what to tell ops:
	// down after threshold failures in a row, up when it recovers.
	SourceChecked(ctx context.Context, source, failure string, threshold int) (news.HealthChange, time.Time, error)
	// SourceListed records a source's items and says how fresh it is.
	SourceListed(ctx context.Context, source string, keys []string, now time.Time, gapsAfter time.Duration) (news.Freshness, error)
	// MarkStale records whether ops was told the source has nothing new.
	MarkStale(ctx context.Context, source string, stale bool) error
}

// sourceFailures is how many checks in a row a source must fail before
// the ops channel hears of it.
const sourceFailures = 3

// sourceHealth keeps a source's record, once a tick, and tells the ops
// channel when it has failed sourceFailures checks in a row, and when it
// answers again; and when it has had nothing new for far longer than
// usual (staleAfter), and when it has again: once each, not on every tick.
func (p *Pipeline) sourceHealth(ctx context.Context, src watchers.Source, items []news.Item, unchanged bool, err error, log *slog.Logger) {
	var failure string
	if err != nil {
		failure = watchers.Reason(err)
	}
	tell, since, serr := p.Store.SourceChecked(ctx, src.Name, failure, sourceFailures)
	if serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	switch tell {
	case news.HealthDown:
		p.tellOps(ctx, log, fmt.Sprintf("newsbot: source %s (%s) has failed %d checks in a row since %s: %s",
			src.Name, src.URL, sourceFailures, since.In(p.Config.Location()).Format("2006-01-02 15:04"), failure))
	case news.HealthUp:
		p.tellOps(ctx, log, fmt.Sprintf("newsbot: source %s (%s) answers again", src.Name, src.URL))
	}
	if err != nil {
		return
	}
	listed := keys(items)
	if unchanged {
		listed = nil // as before
	}
	f, serr := p.Store.SourceListed(ctx, src.Name, listed, p.now(), minStale)
	if serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	quiet := p.now().Sub(f.LastNew)
	limit, known := staleAfter(f.Gaps)
	var msg string
	switch {
	case f.Stale && f.New > 0:
		msg = fmt.Sprintf("newsbot: source %s (%s) has new items again", src.Name, src.URL)
	case !f.Stale && known && quiet > limit:
		msg = fmt.Sprintf("newsbot: source %s (%s) has had nothing new for %s, since %s; it usually has something new every %s. "+
			"Check that it still works: a feed that moved or froze can keep answering with old items.",
			src.Name, src.URL, textutil.Roughly(quiet), f.LastNew.In(p.Config.Location()).Format("2006-01-02 15:04"), textutil.Roughly(median(f.Gaps)))
	default:
		return
	}
	if serr := p.Store.MarkStale(ctx, src.Name, !f.Stale); serr != nil {
		log.Error("store failed", "error", serr)
		return
	}
	log.Warn(strings.TrimPrefix(msg, "newsbot: "))
	p.tellOps(ctx, log, msg)
}

// A source is stale when it has had nothing new for staleAfter: twice its
// longest recent quiet spell, six times its usual gap, and at least
// minStale. It is judged once minGaps gaps between new items are known.
const (
	minGaps  = 8
	minStale = 2 * time.Hour
)

func staleAfter(gaps []time.Duration) (time.Duration, bool) {
	if len(gaps) < minGaps {
		return 0, false
	}
	return max(2*slices.Max(gaps), 6*median(gaps), minStale), true
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[len(s)/2]
}

package app

import (
	"context"

	"github.com/newsbot/newsbot/pipeline"
)

// Deliver makes the digests that are due and sends what is pending, and
// counts what it did in st.
func (a *App) Deliver(ctx context.Context, st *pipeline.Stats) {
	r, err := a.deliver.Deliver(ctx)
	st.StoreErrs.Add(int64(r.StoreErrors))
	if err != nil {
		if ctx.Err() == nil {
			st.StoreErrs.Add(1)
			a.log.Error("reading the outbox failed", "error", err)
		}
		return
	}
	st.Sent.Add(int64(r.Sent))
	st.SendErrs.Add(int64(r.Errors))
	st.Parked.Add(int64(r.Parked))
	st.Pending.Store(int64(r.Pending))
	st.Quiet.Store(int64(r.Quiet))
	if r.Stopped != "" && r.Pending > 0 {
		st.LogOnce(a.log, "stop-sending", "not sending: Slack refused newsbot itself; fix "+a.deliver.SlackKeys()+" and restart", "reason", r.Stopped, "pending", r.Pending)
	}
}

// foldDigests makes the digests that are due, before a delivery (see
// deliver.Deliverer.Prepare), and says how often the store failed.
func (a *App) foldDigests(ctx context.Context) int {
	st := &pipeline.Stats{}
	a.pipeline.FoldDigests(ctx, a.watchers, st)
	return int(st.StoreErrs.Load())
}

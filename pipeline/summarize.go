package pipeline

import (
	"cmp"
	"context"
	"sync"
)

// budgetStore is what the language model's daily budget needs of the
// store.
type budgetStore interface {
	// TakeBudget counts a model's summary against the day's budget;
	// false: the budget is spent.
	TakeBudget(ctx context.Context, max int) (bool, error)
	// ReturnBudget gives back one that was not spent.
	ReturnBudget(ctx context.Context) error
}

// summarize has the language model write the alert's summary, when the
// config asks for it and the day's budget allows, and says so in the
// alert; on any failure the extractive summary stays, and the log says
// why. An article is summarized once a tick, however many watchers match
// it; after a failure the model is not asked again in the tick.
func (j *job) summarize(ctx context.Context, r result) {
	art, m := r.art, r.match
	if j.p.LLM == nil || art == nil || m == nil || art.FromFeed || j.t.llmDown.Load() {
		return
	}
	cfg := j.p.Config.Summarize
	lang := cmp.Or(cfg.Language, j.w.Lang, art.Lang)
	c, _ := j.t.llm.LoadOrStore(art.URL+"\x00"+lang, &llmCall{})
	call := c.(*llmCall)
	call.once.Do(func() {
		ok, err := j.p.Store.TakeBudget(ctx, cfg.DailyBudget)
		if err != nil {
			j.storeFailed(j.log, err)
			return
		}
		if !ok {
			j.st.LogOnce(j.log, "llm-budget", "the day's budget of model summaries is spent (summarize.daily_budget): extractive summaries until tomorrow (UTC)", "daily_budget", cfg.DailyBudget)
			return
		}
		call.text, call.err = j.p.LLM.Summarize(ctx, art, lang)
		if call.err != nil {
			// A failed call costs nothing, and the model rests for the tick.
			if err := j.p.Store.ReturnBudget(context.WithoutCancel(ctx)); err != nil {
				j.st.StoreErrs.Add(1)
			}
			j.t.llmDown.Store(true)
			j.st.LogOnce(j.log, "llm-error", "model summary failed: using the extractive summary (the model is not asked again this tick)", "model", cfg.Model, "error", call.err)
		}
	})
	if call.text == "" {
		return
	}
	m.Summary.Text, m.Summary.Marks = call.text, m.Find(call.text)
	r.alert.Summary, r.alert.Marks, r.alert.SummaryBy = m.Summary.Text, m.Summary.Marks, cfg.Model
}

// llmCall is one article's model summary in a tick.
type llmCall struct {
	once sync.Once
	text string
	err  error
}

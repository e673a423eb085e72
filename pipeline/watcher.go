package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/match"
	"github.com/newsbot/newsbot/watchers"
)

// Watcher is a configured watcher, compiled: its watchlist bound to the
// matcher of all watchers' terms, its sources, and its times parsed.
type Watcher struct {
	config.Watcher
	// Cron is when it checks; Digest, when it has a digest, when that
	// goes out (nil: none); Quiet, its quiet hours.
	Cron   cron.Schedule
	Digest cron.Schedule
	Quiet  config.Quiet
	// loc is the config's time zone, that quiet hours are in.
	loc *time.Location

	// query is the watchlist: any keyword, or the query, and no exclude,
	// bound to set, the matcher of all watchers' terms together.
	query   *match.Query
	set     *match.Set
	sources []watchers.Source
	// mu keeps two ticks of one watcher (the start-up one and a scheduled
	// one, or an early check of some of its sources: only) from running
	// at once and alerting twice.
	mu *sync.Mutex
}

// Compile compiles the watchers of a valid config. When a term or a query
// does not compile, the error is a config.Problems naming each.
func Compile(cfg *config.Config) ([]*Watcher, error) {
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
	for i := range cfg.Watchers {
		w, ps := compile(cfg, i)
		problems = append(problems, ps...)
		if w != nil {
			ws = append(ws, w)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if err := bindSet(ws); err != nil {
		return nil, err
	}
	for i, w := range ws {
		warnMentionOn(cfg, cfg.WatcherPath(i), w)
	}
	return ws, nil
}

// warnMentionOn warns of a mention_on term that is none of the watcher's
// terms: no alert would ever notify for it.
func warnMentionOn(cfg *config.Config, p string, w *Watcher) {
	terms := w.query.Terms()
	for j, on := range w.MentionOn {
		if !slices.Contains(terms, on) {
			cfg.Warn(fmt.Sprintf("%s.mention_on[%d]", p, j), "%q is none of the watcher's terms (%s): no alert notifies for it",
				on, strings.Join(terms, ", "))
		}
	}
}

// compile compiles the i-th watcher, or says what is wrong with it.
func compile(cfg *config.Config, i int) (*Watcher, config.Problems) {
	cw := cfg.Watchers[i]
	p := cfg.WatcherPath(i)
	var problems config.Problems
	for _, terms := range []struct {
		key   string
		terms []string
	}{{"keywords", cw.Keywords}, {"exclude", cw.Exclude}} {
		for j, k := range terms.terms {
			if _, err := match.Compile([]string{k}); err != nil {
				problems = append(problems, cfg.Problem(fmt.Sprintf("%s.%s[%d]", p, terms.key, j), "%v", err))
			}
		}
	}
	if len(problems) > 0 {
		// The query too, in the same pass.
		if cw.Query != "" {
			if _, err := (match.Spec{Query: cw.Query, Synonyms: cfg.Synonyms}).Compile(); err != nil {
				problems = append(problems, cfg.Problem(p+".query", "%v", err))
			}
		}
		return nil, problems
	}
	spec := match.Spec{Keywords: cw.Keywords, Query: cw.Query, Exclude: cw.Exclude, Synonyms: cfg.Synonyms, Forms: cw.Forms}
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
		return nil, config.Problems{cfg.Problem(p+".query", "%v", err)}
	}
	w := &Watcher{Watcher: cw, query: q, loc: cfg.Location(), mu: &sync.Mutex{}}
	// The config is valid: its times parse.
	w.Cron, _ = cfg.Schedule(cw.Schedule)
	if cw.Digest != "" {
		w.Digest, _ = cfg.DigestSchedule(cw.Digest)
	}
	w.Quiet, _ = config.ParseQuiet(cw.Quiet)
	for _, name := range cfg.WatcherSources(&cw) {
		s, _ := cfg.Source(name)
		w.sources = append(w.sources, watchers.Source{Name: s.Name, URL: s.URL, Type: s.Type, Links: s.Links,
			NoRobots: s.Robots != nil && !*s.Robots, MaxItems: s.MaxItems})
	}
	return w, nil
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

// AdHoc makes a watcher of a query given on the command line; it is named
// "query".
func AdHoc(query string, synonyms map[string][]string) (*Watcher, error) {
	q, err := match.ParseQuery(query, synonyms)
	if err != nil {
		return nil, err
	}
	w := &Watcher{query: q, mu: &sync.Mutex{}}
	w.Name = "query"
	if err := bindSet([]*Watcher{w}); err != nil {
		return nil, err
	}
	return w, nil
}

// QuietUntil is when the watcher's quiet hours that t falls in end, or
// the zero time when t is not in them.
func (w *Watcher) QuietUntil(t time.Time) time.Time {
	if w.loc != nil {
		t = t.In(w.loc)
	}
	return w.Quiet.Until(t)
}

// StemNote says, for a watcher with stem: true and no lang:, that an
// article in a language without a stemmer (or none known) had its
// terms matched as written; "" otherwise.
func (w *Watcher) StemNote(lang string) string {
	if !w.Stem || w.Lang != "" || match.CanStem(lang) {
		return ""
	}
	what := "the article's language is not known"
	if lang != "" {
		what = fmt.Sprintf("there is no stemmer for the article's language (%s)", lang)
	}
	return fmt.Sprintf("watcher %s: stem: true stems in the article's language, and %s: its terms were matched as written; set lang: de (or en) on the watcher to stem in that language", w.Name, what)
}

// mentions are who an alert with these terms notifies.
func (w *Watcher) mentions(terms []string) []string {
	if len(w.Mention) == 0 {
		return nil
	}
	if len(w.MentionOn) > 0 {
		on := false
		for _, t := range terms {
			for _, o := range w.MentionOn {
				on = on || t == o
			}
		}
		if !on {
			return nil
		}
	}
	var out []string
	for _, m := range w.Mention {
		if mk, ok := config.MentionMarkup(m); ok {
			out = append(out, mk)
		}
	}
	return out
}

// Source returns the watcher's source of this name.
func (w *Watcher) Source(name string) (watchers.Source, bool) {
	for _, src := range w.sources {
		if src.Name == name {
			return src, true
		}
	}
	return watchers.Source{}, false
}

package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/andybalholm/cascadia"

	"github.com/newsbot/newsbot/news"
)

// validate returns every problem of a config whose defaults are set, with
// its position and field path; it changes nothing.
func (c *Config) validate() Problems {
	v := &validation{c: c}
	v.top()
	v.slack()
	v.summarize()
	v.http()
	if f, least := time.Duration(c.Polling.Fastest), MinInterval(); f < least {
		v.bad("polling.fastest", "must be %s or more (the least interval between checks), not %s", shortDuration(least), shortDuration(f))
	}
	if cb := c.WebSub.CallbackURL; cb != "" {
		if !httpURL(cb) {
			v.bad("websub.callback_url", "must be an absolute http(s) URL that reaches http.listen, not %q", cb)
		} else if c.HTTP.Listen == "" {
			v.bad("websub.callback_url", "needs http.listen: the hubs push to newsbot run there")
		}
	}
	if l := time.Duration(c.WebSub.Lease); l < time.Hour {
		v.bad("websub.lease", "must be 1h or more, not %s", shortDuration(l))
	}
	v.synonyms()
	sources := v.sources()
	if len(c.Watchers) == 0 {
		v.bad("watchers", "no watchers: add at least one")
	}
	names := map[string]bool{}
	for i := range c.Watchers {
		v.watcher(i, sources, names)
	}
	return v.ps
}

// validation is one pass of validate: the problems found so far.
type validation struct {
	c  *Config
	ps Problems
}

func (v *validation) bad(path, format string, args ...any) {
	v.ps = append(v.ps, v.c.Problem(path, format, args...))
}

// httpURL reports whether s is an absolute http(s) URL.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (v *validation) top() {
	c := v.c
	switch {
	case strings.HasPrefix(c.Storage, "postgres://") || strings.HasPrefix(c.Storage, "postgresql://"):
		if u, err := url.Parse(c.Storage); err != nil || u.Host == "" && u.Query().Get("host") == "" {
			v.bad("storage", "a PostgreSQL URL needs a host: postgres://user:password@host:5432/newsbot")
		}
	case strings.Contains(c.Storage, "://"):
		v.bad("storage", "must be a SQLite file name or a postgres:// URL")
	}
	switch c.FirstRun {
	case FirstRunSkip, FirstRunAlert:
	default:
		v.bad("first_run", "must be %q or %q, not %q", FirstRunSkip, FirstRunAlert, c.FirstRun)
	}
	if c.MaxAge < 0 {
		v.bad("max_age", "must not be negative")
	}
	if c.MaxItems < 0 {
		v.bad("max_items", "must be more than 0 (default %d)", DefaultMaxItems)
	}
	if c.StoryWindow < 0 {
		v.bad("story_window", "must not be negative")
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			v.bad("timezone", "unknown time zone %q", c.Timezone)
		}
	}
}

func (v *validation) slack() {
	s := &v.c.Slack
	if !httpURL(s.APIURL) {
		v.bad("slack.api_url", "must be an http(s) URL, not %q", s.APIURL)
	}
	if s.WebhookURL != "" {
		if !httpURL(s.WebhookURL) {
			v.bad("slack.webhook_url", "must be an http(s) URL such as https://hooks.slack.com/services/T…/B…/…")
		} else if s.Token != "" {
			v.bad("slack.webhook_url", "set slack.token or slack.webhook_url, not both")
		}
	}
	if s.Pace < 0 {
		v.bad("slack.pace", "must not be negative")
	}
	if s.Timeout < 0 || time.Duration(s.Timeout) > MaxSlackTimeout {
		// A delivery claims its alert for ten minutes (three tries each);
		// a call that may take longer could let another process send it too.
		v.bad("slack.timeout", "must be between 1s and %s", MaxSlackTimeout)
	}
	if t := s.AppToken; t != "" && !strings.HasPrefix(t, "xapp-") {
		v.bad("slack.app_token", "must be an app-level token (xapp-…, from the app's Basic Information page, with the connections:write scope), not a bot or user token")
	}
	if s.SigningSecret != "" && v.c.HTTP.Listen == "" {
		v.bad("slack.signing_secret", "slash commands over HTTP are served on http.listen, which is not set (or use slack.app_token for Socket Mode)")
	}
}

func (v *validation) summarize() {
	s := v.c.Summarize
	if s == nil {
		return
	}
	if s.Provider != "openai" {
		v.bad("summarize.provider", "must be openai (any OpenAI-compatible endpoint), not %q", s.Provider)
	}
	if !httpURL(s.BaseURL) {
		v.bad("summarize.base_url", "must be an http(s) URL such as https://api.openai.com/v1")
	}
	if s.Model == "" {
		v.bad("summarize.model", "missing: name the model")
	}
	switch s.Language {
	case "", "de", "en":
	default:
		v.bad("summarize.language", "must be de or en, not %q", s.Language)
	}
	for _, n := range []struct {
		key string
		bad bool
	}{
		{"summarize.max_tokens", s.MaxTokens < 0},
		{"summarize.timeout", s.Timeout < 0},
		{"summarize.daily_budget", s.DailyBudget < 0},
	} {
		if n.bad {
			v.bad(n.key, "must be positive")
		}
	}
}

func (v *validation) http() {
	h := &v.c.HTTP
	for _, n := range []struct {
		key      string
		negative bool
		must     string
	}{
		{"http.max_body", h.MaxBody < 0, "must be positive"},
		{"http.parallel", h.Parallel < 0, "must be positive"},
		{"http.host_connections", h.HostConnections < 0, "must be positive"},
		{"http.host_interval", h.HostInterval < 0, "must not be negative"},
	} {
		if n.negative {
			v.bad(n.key, "%s", n.must)
		}
	}
	if l := h.Listen; l != "" {
		if _, port, err := net.SplitHostPort(l); err != nil || port == "" {
			v.bad("http.listen", "must be host:port, such as 127.0.0.1:9090, not %q", l)
		}
	}
	if h.Contact != "" && h.UserAgent != "" {
		v.bad("http.contact", "http.user_agent is given whole: put the contact in it, or leave user_agent out")
	}
}

func (v *validation) synonyms() {
	for name, set := range v.c.Synonyms {
		if len(set) == 0 {
			v.bad("synonyms."+name, "empty synonym set")
		}
		for j, t := range set {
			if strings.TrimSpace(t) == "" {
				v.bad(fmt.Sprintf("synonyms.%s[%d]", name, j), "empty term")
			}
		}
	}
}

// sources checks the sources and returns their names.
func (v *validation) sources() map[string]bool {
	c := v.c
	if len(c.Sources) == 0 {
		v.bad("sources", "no sources: name at least one feed or page")
	}
	names := map[string]bool{}
	for i := range c.Sources {
		s := &c.Sources[i]
		p := c.elemPath("sources", i)
		v.name(p, "source", s.Name, names)
		if s.URL == "" {
			v.bad(p+".url", "missing")
		} else if !httpURL(s.URL) {
			v.bad(p+".url", "must be an absolute http(s) URL, not %q", s.URL)
		}
		switch s.Type {
		case news.SourceAuto, news.SourceFeed, news.SourcePage, news.SourceSitemap:
		default:
			v.bad(p+".type", "must be %q, %q or %q, not %q", news.SourceFeed, news.SourcePage, news.SourceSitemap, s.Type)
		}
		if f := s.Folder; f != "" && (strings.TrimSpace(f) != f || strings.HasPrefix(f, "/") || strings.HasSuffix(f, "/") || strings.Contains(f, "//")) {
			v.bad(p+".folder", "%q: a folder's name has no space or / at its ends, and no empty folder in its path (Politik/Inland)", f)
		}
		if s.MaxItems < 0 {
			v.bad(p+".max_items", "must be more than 0 (default: max_items, %d)", c.MaxItems)
		}
		if s.Links != "" {
			if s.Type == news.SourceFeed || s.Type == news.SourceSitemap {
				v.bad(p+".links", "a %s lists its articles itself; links applies to pages", s.Type)
			}
			if _, err := cascadia.Compile(s.Links); err != nil {
				v.bad(p+".links", "invalid CSS selector %q: %v", s.Links, err)
			}
		}
	}
	return names
}

// name checks the name of a source or watcher (kind) at p: there is one,
// and no other has it (names, which it joins).
func (v *validation) name(p, kind, name string, names map[string]bool) {
	switch {
	case name == "":
		v.bad(p+".name", "missing: every %s needs a name", kind)
	case names[name]:
		v.bad(p+".name", "duplicate %s name %q", kind, name)
	}
	names[name] = true
}

// watcher checks the i-th watcher; sources are the sources' names, and
// names the watchers' so far.
func (v *validation) watcher(i int, sources, names map[string]bool) {
	c := v.c
	w := &c.Watchers[i]
	p := c.WatcherPath(i)
	v.name(p, "watcher", w.Name, names)
	if w.Schedule == "" {
		v.bad(p+".schedule", "missing: give a cron spec such as \"*/5 * * * *\" or \"@every 10m\"")
	} else if _, err := c.Schedule(w.Schedule); err != nil {
		v.bad(p+".schedule", "invalid schedule %q: %v", w.Schedule, err)
	}
	if len(w.Sources) == 0 && len(w.Folders) == 0 {
		v.bad(p+".sources", "empty: name at least one source (or a folder of sources, in folders)")
	}
	for j, f := range w.Folders {
		if strings.TrimSpace(f) == "" {
			v.bad(fmt.Sprintf("%s.folders[%d]", p, j), "empty: name a folder of sources")
		} else if !c.hasFolder(f) {
			v.bad(fmt.Sprintf("%s.folders[%d]", p, j), "no source is in folder %q (%s)", f, c.folderNames())
		}
	}
	seen := map[string]bool{}
	for j, name := range w.Sources {
		sp := fmt.Sprintf("%s.sources[%d]", p, j)
		switch {
		case !sources[name]:
			v.bad(sp, "unknown source %q", name)
		case seen[name]:
			v.bad(sp, "source %q named twice", name)
		}
		seen[name] = true
	}
	switch w.Lang {
	case "", "de", "en":
	default:
		v.bad(p+".lang", "must be de or en, not %q", w.Lang)
	}
	if w.Lang != "" && !w.Stem {
		v.bad(p+".lang", "lang sets the stemming language: it needs stem: true")
	}
	for j, l := range w.Forms {
		if l != "de" && l != "en" {
			v.bad(fmt.Sprintf("%s.forms[%d]", p, j), "must be de or en, not %q", l)
		}
	}
	v.terms(w, p)
	v.delivery(w, p)
}

// terms checks what a watcher looks for.
func (v *validation) terms(w *Watcher, p string) {
	if len(w.Keywords) == 0 && strings.TrimSpace(w.Query) == "" {
		v.bad(p+".keywords", "empty: give at least one keyword, or a query")
	}
	for j, k := range w.Keywords {
		if strings.TrimSpace(k) == "" {
			v.bad(fmt.Sprintf("%s.keywords[%d]", p, j), "empty keyword")
		}
	}
	for j, k := range w.Exclude {
		if strings.TrimSpace(k) == "" {
			v.bad(fmt.Sprintf("%s.exclude[%d]", p, j), "empty keyword")
		}
	}
}

// delivery checks how a watcher's alerts go out.
func (v *validation) delivery(w *Watcher, p string) {
	for j, m := range w.Mention {
		if _, ok := MentionMarkup(m); !ok {
			v.bad(fmt.Sprintf("%s.mention[%d]", p, j), "%q is not a mention: use @here, @channel, @everyone, a user ID (U123), or <!subteam^S123>", m)
		}
	}
	if len(w.MentionOn) > 0 && len(w.Mention) == 0 {
		v.bad(p+".mention_on", "mention_on needs mention: who to notify")
	}
	if w.Quiet != "" {
		if _, err := ParseQuiet(w.Quiet); err != nil {
			v.bad(p+".quiet", "%v", err)
		}
	}
	if sp := w.Spike; sp != nil {
		if time.Duration(sp.Window) < 10*time.Minute || time.Duration(sp.Window) > 24*time.Hour {
			v.bad(p+".spike.window", "must be between 10m and 24h")
		}
		if sp.Factor <= 1 {
			v.bad(p+".spike.factor", "must be more than 1")
		}
	}
	if w.Digest != "" {
		if _, err := v.c.DigestSchedule(w.Digest); err != nil {
			v.bad(p+".digest", "%v", err)
		}
	}
	if w.Channel == "" {
		v.bad(p+".channel", "missing, and slack.channel gives no default")
	}
}

var (
	userID    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	markupRef = regexp.MustCompile(`^<(!subteam\^[A-Z0-9]+|@[UW][A-Z0-9]+|!here|!channel|!everyone)>$`)
)

// MentionMarkup turns a mention as written in the config into Slack's
// markup: "@here" is "<!here>", "U123" is "<@U123>".
func MentionMarkup(m string) (string, bool) {
	switch m = strings.TrimSpace(m); {
	case m == "@here" || m == "@channel" || m == "@everyone":
		return "<!" + m[1:] + ">", true
	case userID.MatchString(m):
		return "<@" + m + ">", true
	case markupRef.MatchString(m):
		return m, true
	}
	return "", false
}

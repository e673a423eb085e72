package app

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
	"github.com/newsbot/newsbot/watchers"
)

// Command is a /newsbot command from Slack: what follows /newsbot, and
// who asked where.
type Command struct {
	Text      string
	UserID    string
	UserName  string
	ChannelID string
}

// Reply is the answer to a Command, in Slack's mrkdwn. It is shown to the
// one who asked only, unless InChannel.
type Reply struct {
	Text      string
	InChannel bool
}

// Limits of the commands.
const (
	// MaxMute is the longest a watcher may be muted.
	MaxMute = 30 * 24 * time.Hour
	// searchWindow is how far back search looks, searchLimit how many
	// stored alerts it reads and searchShown how many it shows.
	searchWindow = 30 * 24 * time.Hour
	searchLimit  = 5000
	searchShown  = 10
	// replyLimit keeps a reply well within what Slack shows of one
	// message.
	replyLimit = 3500
)

const commandHelp = "*/newsbot* asks newsbot from Slack:\n" +
	"• `/newsbot status`: the watchers, their schedules, when each last ran and its alerts today; mutes; sources with errors\n" +
	"• `/newsbot check <url>`: what newsbot reads in an article, and which watchers match it (only you see it)\n" +
	"• `/newsbot mute <watcher> <duration>`: record what the watcher matches without posting it, for `30m`, `2h`, `1d` … (at most 30 days)\n" +
	"• `/newsbot unmute <watcher>`: post its alerts again\n" +
	"• `/newsbot search <query>`: the stored articles of the last 30 days that match a query, newest first: `Syrien`, `\"Islamischer Staat\"`, `Syrien AND (Waffenruhe OR Feuerpause)`\n" +
	"• `/newsbot help`: this"

// Command answers a /newsbot command. Every failure is a sentence for
// the one who asked; the details go to the log.
func (a *App) Command(ctx context.Context, c Command) Reply {
	verb, rest, _ := strings.Cut(strings.TrimSpace(c.Text), " ")
	rest = strings.TrimSpace(rest)
	log := a.log.With("command", "/newsbot "+strings.ToLower(verb), "user", cmp.Or(c.UserName, c.UserID))
	log.Info("slash command", "text", textutil.Truncate(c.Text, 200))
	switch strings.ToLower(verb) {
	case "", "help":
		return Reply{Text: commandHelp}
	case "status":
		return a.status(ctx, log)
	case "check":
		return a.checkCommand(ctx, rest, log)
	case "mute":
		return a.mute(ctx, c, rest, log)
	case "unmute":
		return a.unmute(ctx, c, rest, log)
	case "search":
		return a.search(ctx, rest, log)
	}
	return Reply{Text: fmt.Sprintf("newsbot knows no command %q. %s", bot.Escape(verb), commandHelp)}
}

// storeTrouble is what a user hears when the store fails.
func storeTrouble(log interface{ Error(string, ...any) }, err error) Reply {
	log.Error("store failed", "error", err)
	return Reply{Text: "newsbot could not read its database just now. Try again in a minute; if it persists, whoever runs newsbot will find the reason in its log."}
}

func (a *App) status(ctx context.Context, log interface{ Error(string, ...any) }) Reply {
	now := a.now().In(a.cfg.Location())
	runs, err := a.store.WatcherRuns(ctx)
	if err != nil {
		return storeTrouble(log, err)
	}
	mutes, err := a.store.Mutes(ctx)
	if err != nil {
		return storeTrouble(log, err)
	}
	failing, err := a.store.FailingSources(ctx)
	if err != nil {
		return storeTrouble(log, err)
	}
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	today, err := a.store.AlertsSince(ctx, midnight)
	if err != nil {
		return storeTrouble(log, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*newsbot* %s: %s, %s\n", Version, textutil.Plural(int64(len(a.watchers)), "watcher"), textutil.Plural(int64(len(a.cfg.Sources)), "source"))
	for _, w := range a.watchers {
		fmt.Fprintf(&b, "• *%s* `%s` → %s: ", w.Name, w.Schedule, w.Channel)
		if at, ok := runs[w.Name]; ok {
			ago := "just now"
			if now.Sub(at) >= time.Minute {
				ago = textutil.Roughly(now.Sub(at)) + " ago"
			}
			fmt.Fprintf(&b, "last ran %s (%s)", clock(at.In(now.Location()), now), ago)
		} else {
			b.WriteString("has not run yet")
		}
		// Alerts posted or on their way; those kept by a mute apart.
		c := today[w.Name]
		fmt.Fprintf(&b, ", next %s; %s today", clock(w.Cron.Next(now), now), textutil.Plural(int64(c.All-c.Muted), "alert"))
		if c.Muted > 0 {
			fmt.Fprintf(&b, " (and %d muted)", c.Muted)
		}
		if m, ok := mutes[w.Name]; ok {
			fmt.Fprintf(&b, "\n    :no_bell: muted until %s by %s: %s recorded, not posted", clock(m.Until.In(now.Location()), now), m.By, textutil.Plural(int64(m.Held), "match"))
		}
		b.WriteString("\n")
	}
	a.writePolls(&b, now)
	if len(failing) == 0 {
		b.WriteString("Every source answered at its last check.")
	} else {
		fmt.Fprintf(&b, "*%s with errors:*\n", textutil.Plural(int64(len(failing)), "source"))
		for _, f := range failing {
			fmt.Fprintf(&b, "• %s: %s in a row, since %s", f.Source, textutil.Plural(int64(f.Failures), "failed check"), clock(f.Since.In(now.Location()), now))
			if f.Reason != "" {
				fmt.Fprintf(&b, ": %s", bot.Escape(textutil.Truncate(f.Reason, 200)))
			}
			b.WriteString("\n")
		}
	}
	return Reply{Text: textutil.Truncate(strings.TrimSpace(b.String()), replyLimit)}
}

// clock is t as a reader in the config's zone wants it: the time today,
// else the date too.
func clock(t, now time.Time) string {
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

func (a *App) checkCommand(ctx context.Context, arg string, log interface{ Warn(string, ...any) }) Reply {
	target := slackURL(arg)
	if target == "" {
		return Reply{Text: "Give `/newsbot check` the address of an article: `/newsbot check https://www.faz.net/aktuell/…`"}
	}
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		return Reply{Text: fmt.Sprintf("`%s` is not a web address: `/newsbot check` takes an http:// or https:// link.", bot.Escape(target))}
	}
	res, err := CheckPage(ctx, a.fetcher, a.watchers, target, false)
	if err != nil {
		log.Warn("check failed", "url", target, "error", err)
		return Reply{Text: "newsbot could not read that page: " + bot.Escape(checkTrouble(err))}
	}
	var out bytes.Buffer
	res.WriteText(&out)
	// A page's text is anyone's: escaped, it mentions no one.
	return Reply{Text: "```" + bot.Escape(textutil.Truncate(strings.TrimSpace(out.String()), replyLimit)) + "```"}
}

// checkTrouble says in a sentence why a page could not be checked.
func checkTrouble(err error) string {
	if se := (*watchers.StatusError)(nil); errors.As(err, &se) {
		return fmt.Sprintf("the site answered %s.", se.Status)
	}
	return say(err, checkTroubles) + "."
}

// checkTroubles are the sentences for the errors of a check.
var checkTroubles = []saying{
	{watchers.ErrRefusedAddress, "it is on a private or local network address, which newsbot does not fetch for a link given in Slack"},
	{watchers.ErrTooLarge, "the page is larger than newsbot reads (http.max_body)"},
	{watchers.ErrNoText, "newsbot found no article text on it"},
	{context.DeadlineExceeded, "the site did not answer in time"},
}

// saying is what to say of an error.
type saying struct {
	err  error
	says string
}

// say is what sayings say of err (errors.Is), or err itself.
func say(err error, sayings []saying) string {
	for _, s := range sayings {
		if errors.Is(err, s.err) {
			return s.says
		}
	}
	return err.Error()
}

// slackURL is the link Slack sent: it wraps links as <url> or <url|label>,
// and escapes &, < and > in the text of a command.
func slackURL(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
		s, _, _ = strings.Cut(s[1:len(s)-1], "|")
	}
	return unescapeSlack(s)
}

// unescapeSlack undoes Slack's escaping of a command's text; what a reply
// quotes of it is escaped again (bot.Escape): "<!channel>" in a query is
// text, not a mention.
var unescapeSlack = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace

func (a *App) watcherNamed(name string) *pipeline.Watcher {
	for _, w := range a.watchers {
		if strings.EqualFold(w.Name, name) {
			return w
		}
	}
	return nil
}

func (a *App) unknownWatcher(name string) Reply {
	names := make([]string, len(a.watchers))
	for i, w := range a.watchers {
		names[i] = "`" + w.Name + "`"
	}
	return Reply{Text: fmt.Sprintf("There is no watcher %q. The watchers are %s.", name, strings.Join(names, ", "))}
}

// who is how a reply names the one who asked.
func who(c Command) string {
	if c.UserID != "" {
		return "<@" + c.UserID + ">"
	}
	return cmp.Or(c.UserName, "someone")
}

func (a *App) mute(ctx context.Context, c Command, arg string, log interface{ Error(string, ...any) }) Reply {
	fields := strings.Fields(arg)
	if len(fields) != 2 {
		return Reply{Text: "Give `/newsbot mute` a watcher and how long: `/newsbot mute nahost 2h`"}
	}
	w := a.watcherNamed(fields[0])
	if w == nil {
		return a.unknownWatcher(fields[0])
	}
	d, err := parseMuteDuration(fields[1])
	if err != nil {
		return Reply{Text: err.Error()}
	}
	until := a.now().Add(d)
	if err := a.store.Mute(ctx, w.Name, until, who(c)); err != nil {
		return storeTrouble(log, err)
	}
	now := a.now().In(a.cfg.Location())
	return Reply{InChannel: true, Text: fmt.Sprintf(":no_bell: %s muted *%s* until %s: what it matches meanwhile is recorded, not posted. `/newsbot unmute %s` ends it sooner.",
		who(c), w.Name, clock(until.In(now.Location()), now), w.Name)}
}

// parseMuteDuration reads "30m", "2h", "1h30m", "1d" or "2w".
func parseMuteDuration(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q is not a duration newsbot knows: give one such as `30m`, `2h`, `1d` or `1w`", s)
	var d time.Duration
	switch {
	case strings.HasSuffix(s, "d") || strings.HasSuffix(s, "w"):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil {
			return 0, bad
		}
		unit := 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			unit *= 7
		}
		if n > int(MaxMute/unit)+1 {
			return 0, fmt.Errorf("%s is longer than newsbot mutes a watcher (30 days)", s)
		}
		d = time.Duration(n) * unit
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	switch {
	case d < time.Minute:
		return 0, fmt.Errorf("%s is too short a mute: a minute at least", s)
	case d > MaxMute:
		return 0, fmt.Errorf("%s is longer than newsbot mutes a watcher (30 days)", s)
	}
	return d, nil
}

func (a *App) unmute(ctx context.Context, c Command, arg string, log interface{ Error(string, ...any) }) Reply {
	name := strings.TrimSpace(arg)
	if name == "" || strings.ContainsAny(name, " \t") {
		return Reply{Text: "Give `/newsbot unmute` a watcher: `/newsbot unmute nahost`"}
	}
	w := a.watcherNamed(name)
	if w == nil {
		return a.unknownWatcher(name)
	}
	mutes, err := a.store.Mutes(ctx)
	if err != nil {
		return storeTrouble(log, err)
	}
	ok, err := a.store.Unmute(ctx, w.Name)
	if err != nil {
		return storeTrouble(log, err)
	}
	if !ok {
		return Reply{Text: fmt.Sprintf("*%s* is not muted.", w.Name)}
	}
	return Reply{InChannel: true, Text: fmt.Sprintf(":bell: %s unmuted *%s*: its alerts are posted again. While muted it recorded %s, which stay unposted.",
		who(c), w.Name, textutil.Plural(int64(mutes[w.Name].Held), "match"))}
}

func (a *App) search(ctx context.Context, query string, log interface{ Error(string, ...any) }) Reply {
	if query == "" {
		return Reply{Text: "Give `/newsbot search` a query: `/newsbot search Syrien AND Waffenruhe`"}
	}
	query = unescapeSlack(query)
	w, err := pipeline.AdHoc(query, a.cfg.Synonyms)
	if err != nil {
		return Reply{Text: fmt.Sprintf("newsbot cannot read that query: %s. Queries are written as in the watchlists: `Syrien`, `\"Islamischer Staat\"`, `Syrien AND (Waffenruhe OR Feuerpause) NOT Fußball`.", bot.Escape(err.Error()))}
	}
	alerts, err := a.store.RecentAlerts(ctx, a.now().Add(-searchWindow), searchLimit)
	if err != nil {
		return storeTrouble(log, err)
	}
	now := a.now().In(a.cfg.Location())
	scans := &pipeline.Scans{}
	seen := map[string]bool{}
	var hits []*news.Alert
	found := 0
	for _, al := range alerts {
		if seen[al.URL] {
			continue // another watcher's alert on the same article
		}
		art := &news.Article{URL: al.URL, Title: al.Title, Body: []string{al.Summary}, Lang: al.Lang}
		for _, s := range al.Snippets {
			art.Body = append(art.Body, s.Text)
		}
		if w.Match(art, al.Source, scans) == nil {
			continue
		}
		seen[al.URL] = true
		found++
		if len(hits) < searchShown {
			hits = append(hits, al)
		}
	}
	if found == 0 {
		return Reply{Text: fmt.Sprintf("No stored article of the last 30 days matches `%s`. newsbot keeps the articles its watchers alerted on (headline and summary).", bot.Escape(query))}
	}
	var b strings.Builder
	verb := "match"
	if found == 1 {
		verb = "matches"
	}
	fmt.Fprintf(&b, "%s of the last 30 days %s `%s`", textutil.Plural(int64(found), "stored article"), verb, bot.Escape(query))
	if found > len(hits) {
		fmt.Fprintf(&b, "; the newest %d", len(hits))
	}
	b.WriteString(":\n")
	for _, al := range hits {
		fmt.Fprintf(&b, "• %s (%s, %s; %s)\n", bot.Link(al.URL, cmp.Or(al.Title, al.URL)), cmp.Or(al.Source, news.Host(al.URL)), clock(al.Found.In(now.Location()), now), al.Watcher)
	}
	return Reply{Text: textutil.Truncate(strings.TrimSpace(b.String()), replyLimit)}
}

// writePolls says how often the sources are checked: those checked most
// often first, at most maxPollLines of them.
func (a *App) writePolls(b *strings.Builder, now time.Time) {
	const maxPollLines = 15
	polls := a.pipeline.Polls(a.watchers, now)
	slices.SortStableFunc(polls, func(x, y pipeline.Poll) int { return cmp.Compare(x.Interval, y.Interval) })
	b.WriteString("*Sources checked every:*\n")
	for i, p := range polls {
		if i == maxPollLines {
			fmt.Fprintf(b, "• … and %d more, checked less often\n", len(polls)-i)
			break
		}
		fmt.Fprintf(b, "• %s: %s (%s)", p.Source, textutil.Roughly(p.Interval), p.Why)
		if !p.Next.IsZero() {
			fmt.Fprintf(b, "; next %s", clock(p.Next.In(now.Location()), now))
		}
		b.WriteString("\n")
	}
}

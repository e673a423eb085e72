package bot

import (
	"cmp"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// alsoLinks lists other outlets' versions of a story: each source linked
// to its article.
func alsoLinks(also []news.Also) string {
	const most = 10 // so that the line never cuts a link
	parts := make([]string, 0, min(len(also), most)+1)
	for i, o := range also {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(also)-most))
			break
		}
		name := Escape(textutil.Truncate(cmp.Or(o.Source, o.URL), 80))
		if u := escapeURL(o.URL); u != "" && len(u) <= entryURL {
			parts = append(parts, fmt.Sprintf("<%s|%s>", u, name))
		} else {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, ", ")
}

// updateLine says what changed in a follow-up, in Slack's markup.
func updateLine(u *news.Update) string {
	if u.Also != nil {
		return ":newspaper: Also reported by *" + Escape(textutil.Truncate(u.Also.Source, 80)) + "*"
	}
	var parts []string
	if u.OldTitle != "" {
		parts = append(parts, "headline changed, was: _"+Escape(textutil.Truncate(u.OldTitle, MaxTitle))+"_")
	}
	if len(u.NewTerms) > 0 {
		parts = append(parts, "now also matches: *"+Escape(strings.Join(u.NewTerms, ", "))+"*")
	}
	return ":arrows_counterclockwise: Update · " + strings.Join(parts, " · ")
}

// plainUpdate is updateLine for a terminal.
func plainUpdate(u *news.Update) string {
	if u.Also != nil {
		return "Also reported by " + u.Also.Source
	}
	var parts []string
	if u.OldTitle != "" {
		parts = append(parts, "headline changed, was: "+u.OldTitle)
	}
	if len(u.NewTerms) > 0 {
		parts = append(parts, "now also matches: "+strings.Join(u.NewTerms, ", "))
	}
	return "Update · " + strings.Join(parts, " · ")
}

// digestCount is "12 articles", "12 articles from 5 outlets", or "12
// stories, 15 articles from 5 outlets", with ", part 1 of 2" when split.
func digestCount(d *news.Digest) string {
	n := func(k int, one, many string) string {
		if k == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", k, many)
	}
	s := n(d.Total, "article", "articles")
	switch {
	case d.Articles > d.Total:
		s = n(d.Total, "story", "stories") + ", " + n(d.Articles, "article", "articles") + " from " + n(d.Outlets, "outlet", "outlets")
	case d.Outlets > 1:
		s += " from " + n(d.Outlets, "outlet", "outlets")
	}
	if d.Parts > 1 {
		s += fmt.Sprintf(", part %d of %d", d.Part, d.Parts)
	}
	return s
}

// slackDate is a time in the reader's own time zone, with a fallback.
func slackDate(t time.Time, format string) string {
	return fmt.Sprintf("<!date^%d^%s|%s>", t.Unix(), format, t.UTC().Format("2006-01-02 15:04 UTC"))
}

// digestBlocks is a digest as Block Kit: a heading, one section per
// article (its linked title, one line of summary, source, date and
// terms), and a context line.
func digestBlocks(a *news.Alert) []slack.Block {
	d := a.Digest
	head := fmt.Sprintf("*Digest of %s*: %s", Escape(a.Watcher), digestCount(d))
	if !d.Since.IsZero() && d.Since.Unix() > 0 {
		head += " since " + slackDate(d.Since, "{date_short_pretty} {time}")
	}
	if d.Heading != "" {
		head = ":" + cmp.Or(d.Icon, "chart_with_upwards_trend") + ": *" + Escape(d.Heading) + "*"
	}
	for _, line := range overview(d, true) {
		head += "\n" + line
	}
	if m := Mentions(a); len(m) > 0 {
		head = strings.Join(m, " ") + " " + head
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(head), nil, nil)}
	for _, e := range d.Entries {
		if len(blocks) >= MaxBlocks-1 {
			break
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(entryText(e)), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn("newsbot digest · watcher "+Escape(a.Watcher))))
	return blocks
}

// overviewNames is how many outlets or terms an overview names; the rest
// are counted.
const overviewNames = 8

// overview is the lines that sum up a whole digest, in its first part:
// the story most outlets ran, the articles by outlet, and by term (where
// there is more than one). slack: as mrkdwn, else as plain text.
func overview(d *news.Digest, slack bool) []string {
	esc, bold := func(s string) string { return s }, func(s string) string { return s }
	if slack {
		esc, bold = Escape, func(s string) string { return "*" + s + "*" }
	}
	list := func(ts []news.Tally) string {
		var parts []string
		for _, t := range ts[:min(len(ts), overviewNames)] {
			parts = append(parts, fmt.Sprintf("%s %d", esc(textutil.Truncate(t.Name, 60)), t.N))
		}
		if len(ts) > overviewNames {
			parts = append(parts, fmt.Sprintf("%d more", len(ts)-overviewNames))
		}
		return strings.Join(parts, ", ")
	}
	var lines []string
	if m := d.MostReported; m != nil {
		title := esc(textutil.Truncate(m.Name, entryTitle))
		if slack && m.URL != "" && len(Escape(m.URL)) <= entryURL {
			title = "<" + Escape(m.URL) + "|" + title + ">"
		}
		lines = append(lines, fmt.Sprintf("%s %s (%d outlets)", bold("Most reported:"), title, m.N))
	}
	if len(d.ByOutlet) > 1 {
		lines = append(lines, bold("By outlet:")+" "+list(d.ByOutlet))
	}
	if len(d.ByTerm) > 1 {
		lines = append(lines, bold("By term:")+" "+list(d.ByTerm))
	}
	return lines
}

// OverviewSize is how many characters a digest's overview takes in its
// first message.
func OverviewSize(d *news.Digest) int {
	n := 0
	for _, line := range overview(d, true) {
		n += 1 + len(line)
	}
	return n
}

// digestText is a digest for a terminal.
func digestText(a *news.Alert, loc *time.Location) string {
	var b strings.Builder
	for _, line := range overview(a.Digest, false) {
		b.WriteString(line + "\n")
	}
	for i, e := range a.Digest.Entries {
		fmt.Fprintf(&b, "%2d. %s\n    %s\n", i+1, e.Title, e.URL)
		if e.Line != "" {
			b.WriteString("    " + e.Line + "\n")
		}
		meta := []string{e.Source}
		if !e.Published.IsZero() {
			meta = append(meta, e.Published.In(loc).Format("2006-01-02 15:04 MST"))
		}
		if len(e.Terms) > 0 {
			meta = append(meta, "matched: "+strings.Join(e.Terms, ", "))
		}
		for _, o := range e.Also {
			meta = append(meta, "also: "+o.Source)
		}
		b.WriteString("    " + strings.Join(meta, " · ") + "\n")
	}
	return b.String()
}

// Parts of a digest entry, in characters.
const (
	entryTitle = 150 // before escaping
	entryURL   = 800 // escaped; a longer URL is not linked
	entryMeta  = 200 // before escaping
)

// EntrySize is how many characters the entry takes in a digest message,
// for splitting a digest within MaxDigestText.
func EntrySize(e news.Entry) int { return utf8.RuneCountInString(entryText(e)) }

// entryText is one article of a digest: its title linked, one line of
// summary, and a line of source, date and terms, within maxEntryText.
// Each part is cut before it is escaped, so that no cut falls inside an
// escape or the link.
func entryText(e news.Entry) string {
	meta := []string{fit(e.Source, entryMeta, entryMeta*5)}
	if !e.Published.IsZero() {
		meta = append(meta, slackDate(e.Published, "{date_short_pretty} {time}"))
	}
	if len(e.Terms) > 0 {
		meta = append(meta, fit(strings.Join(e.Terms, ", "), entryMeta, entryMeta*5))
	}
	if e.FromFeed {
		meta = append(meta, "from the feed's text")
	}
	if len(e.Also) > 0 {
		names := make([]string, 0, len(e.Also))
		for _, o := range e.Also {
			names = append(names, o.Source)
		}
		meta = append(meta, "also: "+fit(strings.Join(names, ", "), entryMeta, entryMeta*5))
	}
	tail := "\n_" + strings.Join(meta, " · ") + "_"
	left := maxEntryText - utf8.RuneCountInString(tail)

	u := escapeURL(e.URL)
	if len(u) > entryURL {
		u = ""
	}
	if u != "" {
		left -= len(u) + 6 // *<u|…>*
	} else {
		left -= 2 // *…*
	}
	title := cmp.Or(e.Title, e.URL)
	head := "*" + fit(title, entryTitle, left/2) + "*"
	if u != "" {
		head = fmt.Sprintf("*<%s|%s>*", u, fit(title, entryTitle, left/2))
	}
	left = maxEntryText - utf8.RuneCountInString(tail) - utf8.RuneCountInString(head) - 1
	line := ""
	if l := fit(e.Line, left, left); l != "" {
		line = "\n" + l
	}
	return head + line + tail
}

// fit is s cut to at most n characters (at a word, with an ellipsis) and
// escaped, shorter still if it must, to be at most budget characters.
func fit(s string, n, budget int) string {
	for n = min(n, utf8.RuneCountInString(s)); n > 0; n = n * 3 / 4 {
		if t := Escape(textutil.Truncate(s, n)); utf8.RuneCountInString(t) <= budget {
			return t
		}
	}
	return ""
}

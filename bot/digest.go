package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// updateLine says what changed in a follow-up, in Slack's markup.
func updateLine(u *news.Update) string {
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
	var parts []string
	if u.OldTitle != "" {
		parts = append(parts, "headline changed, was: "+u.OldTitle)
	}
	if len(u.NewTerms) > 0 {
		parts = append(parts, "now also matches: "+strings.Join(u.NewTerms, ", "))
	}
	return "Update · " + strings.Join(parts, " · ")
}

// digestCount is "12 articles" or "12 articles, part 1 of 2".
func digestCount(d *news.Digest) string {
	s := fmt.Sprintf("%d articles", d.Total)
	if d.Total == 1 {
		s = "1 article"
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
	if len(a.Mentions) > 0 {
		head = strings.Join(a.Mentions, " ") + " " + head
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(head), nil, nil)}
	for _, e := range d.Entries {
		if len(blocks) >= MaxBlocks-1 {
			break
		}
		title := Escape(textutil.Truncate(e.Title, MaxTitle))
		if title == "" {
			title = Escape(e.URL)
		}
		var b strings.Builder
		if e.URL != "" {
			fmt.Fprintf(&b, "*<%s|%s>*", escapeURL(e.URL), title)
		} else {
			b.WriteString("*" + title + "*")
		}
		if e.Line != "" {
			b.WriteString("\n" + Escape(e.Line))
		}
		meta := []string{Escape(e.Source)}
		if !e.Published.IsZero() {
			meta = append(meta, slackDate(e.Published, "{date_short_pretty} {time}"))
		}
		if len(e.Terms) > 0 {
			meta = append(meta, Escape(strings.Join(e.Terms, ", ")))
		}
		if e.FromFeed {
			meta = append(meta, "from the feed's text")
		}
		b.WriteString("\n_" + strings.Join(meta, " · ") + "_")
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncateEscaped(b.String(), maxEntryText)), nil, nil))
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn("newsbot digest · watcher "+Escape(a.Watcher))))
	return blocks
}

// digestText is a digest for a terminal.
func digestText(a *news.Alert, loc *time.Location) string {
	var b strings.Builder
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
		b.WriteString("    " + strings.Join(meta, " · ") + "\n")
	}
	return b.String()
}

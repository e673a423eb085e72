// Package bot owns everything Slack: how an alert reads as a Block Kit
// message, sending it with slack-go (or an incoming webhook), what a failed
// send means (SendError, one kind of failure each with its remedy), and
// the stdout form used when no token is set.
package bot

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
)

// Slack's limits on a message.
const (
	MaxSectionText = 3000
	MaxTitle       = 250
	MaxFallback    = 3000
	MaxBlocks      = 50
	// MaxBlocksText is the most text all of a message's blocks may hold
	// together: Slack answers msg_blocks_too_long past about 12,000
	// characters (undocumented; bolt-js issue 2509), so a margin is kept.
	MaxBlocksText = 11000
	// MaxDigestEntries is how many articles one digest message lists:
	// a block each, with a heading and a context line, within MaxBlocks.
	MaxDigestEntries = 40
	// MaxDigestText is what a digest message's entries may hold together,
	// leaving room for its heading and context line.
	MaxDigestText = MaxBlocksText - 600
	// maxEntryText is the most one digest entry holds.
	maxEntryText = 1200
)

// Slack sends alerts with the Slack Web API.
type Slack struct {
	client *slack.Client
	mu     sync.Mutex
	ids    map[string]string // channel name → ID, from conversations.list
	// unknown are the channel names conversations.list did not have, and
	// until when that answer holds; cannotList is why it cannot be asked
	// (a scope missing), for as long as newsbot runs.
	unknown    map[string]time.Time
	cannotList error
}

// unknownFor is how long a channel conversations.list did not have is
// taken as unknown before it is asked again: not on every alert, which
// Slack's rate limit on the call would make minutes.
const unknownFor = 10 * time.Minute

// maxListPages bounds a lookup of channels: 100 pages of 1,000.
const maxListPages = 100

// NewSlack returns a Slack notifier for the token, talking to apiURL
// (Slack's, or a compatible server) with the given timeout per call.
func NewSlack(token, apiURL string, timeout time.Duration) *Slack {
	return &Slack{client: slack.New(token,
		slack.OptionAPIURL(apiURL),
		slack.OptionHTTPClient(&http.Client{Timeout: timeout}),
	)}
}

// Send posts the alert to its channel.
// A follow-up goes in its first alert's thread (a.ThreadTS).
func (s *Slack) Send(ctx context.Context, a *news.Alert) (string, error) {
	payload := map[string]any{"alert_id": a.ID, "watcher": a.Watcher}
	if a.ThreadOf != 0 {
		payload["thread_of"] = a.ThreadOf
	}
	if a.Digest != nil {
		payload["digest"] = len(a.Digest.Entries)
	}
	opts := []slack.MsgOption{
		slack.MsgOptionBlocks(Blocks(a)...),
		slack.MsgOptionText(Fallback(a), false),
		slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl(),
		slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "newsbot_alert", EventPayload: payload}),
	}
	if a.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(a.ThreadTS))
	}
	_, ts, err := s.client.PostMessageContext(ctx, a.Channel, opts...)
	if err != nil {
		return "", Classify(fmt.Errorf("post to %s: %w", a.Channel, err))
	}
	return ts, nil
}

// Posted looks in the channel's history since the given time for the
// message of the alert (by its newsbot_alert metadata), and returns its ts
// when it is there: an alert whose sending was cut short by a crash may
// have been posted. It needs the channel's ID; a "#name" is looked up with
// conversations.list (scopes channels:read, groups:read).
func (s *Slack) Posted(ctx context.Context, a *news.Alert, since time.Time) (string, bool, error) {
	id, err := s.channelID(ctx, a.Channel)
	if err != nil {
		return "", false, err
	}
	find := func(msgs []slack.Message) (string, bool) {
		for _, m := range msgs {
			if m.Metadata.EventType != "newsbot_alert" {
				continue
			}
			if v, ok := m.Metadata.EventPayload["alert_id"]; ok && fmt.Sprint(v) == fmt.Sprint(a.ID) {
				return m.Timestamp, true
			}
		}
		return "", false
	}
	oldest := fmt.Sprintf("%d", since.Unix())
	if a.ThreadTS != "" {
		// A reply is in its thread, not in the channel's history.
		params := &slack.GetConversationRepliesParameters{
			ChannelID: id, Timestamp: a.ThreadTS, Oldest: oldest, Limit: 200, IncludeAllMetadata: true,
		}
		for {
			msgs, more, cursor, err := s.client.GetConversationRepliesContext(ctx, params)
			if err != nil {
				return "", false, fmt.Errorf("thread in %s: %w", a.Channel, err)
			}
			if ts, ok := find(msgs); ok {
				return ts, true, nil
			}
			if !more || cursor == "" {
				return "", false, nil
			}
			params.Cursor = cursor
		}
	}
	params := &slack.GetConversationHistoryParameters{
		ChannelID: id, Oldest: oldest, Limit: 200, IncludeAllMetadata: true,
	}
	for {
		resp, err := s.client.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return "", false, fmt.Errorf("history of %s: %w", a.Channel, err)
		}
		if ts, ok := find(resp.Messages); ok {
			return ts, true, nil
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return "", false, nil
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
}

// channelID is a channel's ID: the channel itself when it is one.
func (s *Slack) channelID(ctx context.Context, channel string) (string, error) {
	name, isName := strings.CutPrefix(channel, "#")
	if !isName {
		return channel, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.ids[name]; ok {
		return id, nil
	}
	if s.cannotList != nil {
		return "", s.cannotList
	}
	if time.Now().Before(s.unknown[name]) {
		return "", fmt.Errorf("look up channel %s: not found (a private channel the bot is not in?)", channel)
	}
	if s.ids == nil {
		s.ids, s.unknown = map[string]string{}, map[string]time.Time{}
	}
	params := &slack.GetConversationsParameters{Limit: 1000, ExcludeArchived: true, Types: []string{"public_channel", "private_channel"}}
	for page := 0; ; page++ {
		if page == maxListPages {
			s.unknown[name] = time.Now().Add(unknownFor)
			return "", fmt.Errorf("look up channel %s: not found in %d pages of channels", channel, maxListPages)
		}
		chans, next, err := s.client.GetConversationsContext(ctx, params)
		if se := Classify(err); se != nil && (se.Kind == Stop || se.Kind == Permanent) {
			// The token may not list channels: it will not, until the
			// config changes.
			s.cannotList = fmt.Errorf("look up channel %s: %w: the bot token needs the channels:read scope (and groups:read for private channels) to find a channel by its name; or give the channel's ID", channel, err)
			return "", s.cannotList
		}
		if err != nil {
			return "", fmt.Errorf("look up channel %s: %w", channel, err)
		}
		for _, c := range chans {
			s.ids[c.Name] = c.ID
		}
		if next == "" || next == params.Cursor {
			break // the last page; or the same again, which would never end
		}
		params.Cursor = next
	}
	if id, ok := s.ids[name]; ok {
		return id, nil
	}
	s.unknown[name] = time.Now().Add(unknownFor)
	return "", fmt.Errorf("look up channel %s: not found (a private channel the bot is not in?)", channel)
}

// Notice posts text, escaped, to channel.
func (s *Slack) Notice(ctx context.Context, channel, text string) error {
	_, _, err := s.client.PostMessageContext(ctx, channel,
		slack.MsgOptionText(Escape(text), false),
		slack.MsgOptionDisableLinkUnfurl(),
	)
	if err != nil {
		return Classify(fmt.Errorf("post to %s: %w", channel, err))
	}
	return nil
}

// Blocks is the alert as a Block Kit message: the title linked to the
// article, the summary with the matched words in bold, any snippets, and a
// context line with the source, the publication time, the watcher and the
// matched words.
func Blocks(a *news.Alert) []slack.Block {
	if a.Digest != nil {
		return digestBlocks(a)
	}
	title := textutil.Truncate(a.Title, MaxTitle)
	if title == "" {
		title = cmp.Or(a.URL, a.Via)
	}
	head := "*" + Escape(title) + "*"
	if a.URL != "" {
		head = "*" + Link(a.URL, title) + "*"
	}
	if m := Mentions(a); len(m) > 0 {
		head = strings.Join(m, " ") + " " + head
	}
	var blocks []slack.Block
	if a.Update != nil {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(updateLine(a.Update))))
	}
	blocks = append(blocks, slack.NewSectionBlock(mrkdwn(head), nil, nil))
	if a.Summary != "" {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(bold(a.Summary, a.Marks, MaxSectionText)), nil, nil))
	}
	if len(a.Also) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncateEscaped(":newspaper: Also reported by "+alsoLinks(a.Also), MaxSectionText)), nil, nil))
	}
	if len(a.Snippets) > 0 {
		lines := make([]string, 0, len(a.Snippets))
		for _, s := range a.Snippets {
			lines = append(lines, "> "+bold(s.Text, s.Marks, 500))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(truncateEscaped(strings.Join(lines, "\n"), MaxSectionText)), nil, nil))
	}
	var ctx []string
	ctx = append(ctx, Escape(a.Source))
	if !a.Published.IsZero() {
		ctx = append(ctx, fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>",
			a.Published.Unix(), a.Published.UTC().Format("2006-01-02 15:04 UTC")))
	}
	ctx = append(ctx, "watcher "+Escape(a.Watcher))
	if len(a.Terms) > 0 {
		ctx = append(ctx, "matched: "+Escape(Matched(a)))
	}
	switch {
	case a.URL == "":
		ctx = append(ctx, noLink(a, Link))
	case a.FromFeed:
		ctx = append(ctx, "page unavailable: from the feed's text")
	}
	if a.SummaryBy != "" {
		ctx = append(ctx, "summary written by "+Escape(a.SummaryBy))
	}
	blocks = append(blocks, slack.NewContextBlock("", mrkdwn(strings.Join(ctx, " · "))))
	return blocks
}

// noLink says that the alert's item has no link of its own, and links
// what there is (its enclosure, its feed's site), written by link.
func noLink(a *news.Alert, link func(url, text string) string) string {
	if a.Via == "" {
		return "no link of its own: from the feed's text"
	}
	return "no link of its own: from the feed's text; see " + link(a.Via, cmp.Or(news.Host(a.Via), a.Via))
}

// Matched tells why the alert matched: each term, as which of its forms
// when it was found so, with the fields it stands in when they are known
// ("Syrien as syrischen (title, body), IS (body)").
func Matched(a *news.Alert) string {
	parts := make([]string, len(a.Terms))
	for i, t := range a.Terms {
		parts[i] = t
		if fs := a.Forms[t]; len(fs) > 0 {
			parts[i] += " as " + strings.Join(fs, ", ")
		}
		if fs := a.Fields[t]; len(fs) > 0 {
			parts[i] += " (" + strings.Join(fs, ", ") + ")"
		}
	}
	return strings.Join(parts, ", ")
}

// Mentions are whom the message notifies: a follow-up only those for its
// new terms; a digest only in its first part.
func Mentions(a *news.Alert) []string {
	switch {
	case a.Update != nil:
		return a.Update.Mentions
	case a.Digest != nil && a.Digest.Part > 1:
		return nil
	}
	return a.Mentions
}

// Fallback is the alert's plain text, for notifications and clients that
// show no blocks.
func Fallback(a *news.Alert) string {
	var s string
	switch {
	case a.Digest != nil && a.Digest.Heading != "":
		s = Escape(fmt.Sprintf("[%s] %s", a.Watcher, a.Digest.Heading))
	case a.Digest != nil:
		s = Escape(fmt.Sprintf("[%s] digest: %s", a.Watcher, digestCount(a.Digest)))
	case a.Update != nil:
		s = Escape(textutil.Truncate(fmt.Sprintf("[%s] update: %s – %s", a.Watcher, a.Title, cmp.Or(a.URL, a.Via)), MaxFallback))
	default:
		s = Escape(textutil.Truncate(fmt.Sprintf("[%s] %s – %s", a.Watcher, a.Title, cmp.Or(a.URL, a.Via)), MaxFallback))
	}
	if m := Mentions(a); len(m) > 0 {
		s = strings.Join(m, " ") + " " + s
	}
	return s
}

// mrkdwn is a text object for our own markup. Verbatim: Slack is not to
// turn bare URLs, channel names or mentions in a page's text into links or
// pings; only the markup newsbot writes counts.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// Escape makes text from a page safe in a Slack message: &, < and > are
// the only characters Slack's formatting gives meaning to, and escaping
// them means no article can post <!channel> or a disguised link.
func Escape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}

// Link is a link in Slack's markup, <url|text>, with both made safe.
func Link(url, text string) string {
	return "<" + escapeURL(url) + "|" + Escape(text) + ">"
}

// escapeURL makes a URL safe inside <url|text>.
func escapeURL(u string) string {
	return strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20").Replace(u)
}

// bold escapes s and puts the marked ranges in bold, keeping the result
// within limit characters (cut at a word, never inside an escape).
func bold(s string, marks [][2]int, limit int) string {
	out := emphasize(s, marks, Escape)
	if utf8.RuneCountInString(out) <= limit {
		return out
	}
	return truncateEscaped(out, limit)
}

// emphasize puts the marked ranges of s between stars, passing the text
// through esc.
func emphasize(s string, marks [][2]int, esc func(string) string) string {
	var b strings.Builder
	pos := 0
	for _, m := range marks {
		if m[0] < pos || m[1] > len(s) || m[0] >= m[1] {
			continue
		}
		b.WriteString(esc(s[pos:m[0]]))
		b.WriteString("*" + esc(s[m[0]:m[1]]) + "*")
		pos = m[1]
	}
	b.WriteString(esc(s[pos:]))
	return b.String()
}

// truncateEscaped is truncate for text already escaped: it never cuts an
// entity such as &amp; in two, nor leaves a bold mark open.
func truncateEscaped(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	t := strings.TrimSuffix(textutil.Truncate(s, n), "…")
	if amp := strings.LastIndexByte(t, '&'); amp >= 0 && !strings.Contains(t[amp:], ";") {
		t = t[:amp]
	}
	if strings.Count(t, "*")%2 == 1 {
		t = t[:strings.LastIndexByte(t, '*')]
	}
	return strings.TrimRight(t, " ") + "…"
}

// Stdout prints alerts to a writer, for trying newsbot without Slack.
type Stdout struct {
	mu  sync.Mutex
	W   io.Writer
	Loc *time.Location
}

// Send prints the alert.
func (s *Stdout) Send(_ context.Context, a *news.Alert) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.W, Text(a, s.Loc))
	return fmt.Sprintf("stdout-%d", a.ID), nil
}

// Notice prints an operational message.
func (s *Stdout) Notice(_ context.Context, channel, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.W, "── ops → %s: %s\n\n", channel, printable(text))
	return nil
}

// Text is the alert as plain text for a terminal, matched words in *stars*.
// Control characters from a page are dropped, so that no article can move
// the cursor or recolour the terminal.
func Text(a *news.Alert, loc *time.Location) string { return printable(text(a, loc)) }

// printable drops control characters (but line breaks) for a terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return -1
		}
		return r
	}, s)
}

func text(a *news.Alert, loc *time.Location) string {
	if loc == nil {
		loc = time.Local
	}
	var b strings.Builder
	head := fmt.Sprintf("── %s → %s ", a.Watcher, a.Channel)
	switch {
	case a.Digest != nil && a.Digest.Heading != "":
		head = fmt.Sprintf("── %s → %s: %s ", a.Watcher, a.Channel, a.Digest.Heading)
	case a.Digest != nil:
		head = fmt.Sprintf("── digest of %s → %s: %s ", a.Watcher, a.Channel, digestCount(a.Digest))
	case a.ThreadOf != 0:
		head = fmt.Sprintf("── %s → %s, follow-up of alert %d ", a.Watcher, a.Channel, a.ThreadOf)
	}
	b.WriteString(head + strings.Repeat("─", max(3, 72-utf8.RuneCountInString(head))) + "\n")
	if m := Mentions(a); len(m) > 0 && a.Digest != nil {
		b.WriteString("notifies: " + strings.Join(m, " ") + "\n")
	}
	if a.Digest != nil {
		return b.String() + digestText(a, loc) + "\n"
	}
	if a.Update != nil {
		b.WriteString(plainUpdate(a.Update) + "\n")
	}
	b.WriteString(a.Title + "\n")
	if a.URL != "" {
		b.WriteString(a.URL + "\n")
	}
	if a.Summary != "" {
		b.WriteString("\n" + plainBold(a.Summary, a.Marks) + "\n")
	}
	for _, s := range a.Snippets {
		b.WriteString("  » " + plainBold(s.Text, s.Marks) + "\n")
	}
	for _, o := range a.Also {
		b.WriteString("  also reported by " + o.Source + ": " + o.URL + "\n")
	}
	meta := []string{a.Source}
	if !a.Published.IsZero() {
		meta = append(meta, a.Published.In(loc).Format("2006-01-02 15:04 MST"))
	}
	meta = append(meta, "matched: "+Matched(a))
	if m := Mentions(a); len(m) > 0 {
		meta = append(meta, "notifies: "+strings.Join(m, " "))
	}
	switch {
	case a.URL == "":
		meta = append(meta, noLink(a, func(url, _ string) string { return url }))
	case a.FromFeed:
		meta = append(meta, "page unavailable: from the feed's text")
	}
	if a.SummaryBy != "" {
		meta = append(meta, "summary written by "+a.SummaryBy)
	}
	b.WriteString("\n" + strings.Join(meta, " · ") + "\n\n")
	return b.String()
}

func plainBold(s string, marks [][2]int) string {
	return emphasize(s, marks, func(s string) string { return s })
}

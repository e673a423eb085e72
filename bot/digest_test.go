package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/news"
)

const hostile = "<!channel> <!here|here> <@U123> <#C42> <https://evil.example|Klick> AT&T > 3 &amp;"

func digestAlert(n int, title func(i int) string) *news.Alert {
	d := &news.Digest{Since: time.Date(2025, 6, 17, 6, 0, 0, 0, time.UTC), Part: 1, Parts: 1, Total: n}
	for i := range n {
		d.Entries = append(d.Entries, news.Entry{
			AlertID: int64(i + 1), Title: title(i), URL: fmt.Sprintf("https://rr.example/a/%d.html?x=1&y=2", i),
			Source: "rundschau", Line: "Im Nordwesten von Syrien gilt seit Sonntag eine Waffenruhe.",
			Terms: []string{"Syrien"}, Published: time.Date(2025, 6, 17, 8, 30, 0, 0, time.UTC),
		})
	}
	return &news.Alert{ID: 7, Watcher: "nahost", Channel: "#nahost", Terms: []string{"Syrien"}, Digest: d, Found: time.Now()}
}

// A digest lists every article with its link, source, date and line, in
// order, within Slack's limits however long the texts.
func TestDigestBlocks(t *testing.T) {
	a := digestAlert(3, func(i int) string { return fmt.Sprintf("Meldung %d", i) })
	a.Mentions = []string{"<!here>"}
	got := texts(t, bot.Blocks(a))
	if len(got) != 5 {
		t.Fatalf("%d blocks, want heading, 3 articles, context:\n%s", len(got), strings.Join(got, "\n"))
	}
	if want := "<!here> *Digest of nahost*: 3 articles since <!date^1750140000^{date_short_pretty} {time}|2025-06-17 06:00 UTC>"; got[0] != want {
		t.Errorf("heading\n%s\nwant\n%s", got[0], want)
	}
	want := "*<https://rr.example/a/1.html?x=1&amp;y=2|Meldung 1>*\nIm Nordwesten von Syrien gilt seit Sonntag eine Waffenruhe.\n_rundschau · <!date^1750149000^{date_short_pretty} {time}|2025-06-17 08:30 UTC> · Syrien_"
	if got[2] != want {
		t.Errorf("entry\n%s\nwant\n%s", got[2], want)
	}
	if f := bot.Fallback(a); f != "<!here> [nahost] digest: 3 articles" {
		t.Errorf("fallback %q", f)
	}
}

func TestDigestBlocksLimits(t *testing.T) {
	long := strings.Repeat("Über Füße & Öl <b> ", 400)
	a := digestAlert(bot.MaxDigestEntries, func(int) string { return long })
	for i := range a.Digest.Entries {
		a.Digest.Entries[i].Line = long
		a.Digest.Entries[i].Source = hostile
	}
	blocks := texts(t, bot.Blocks(a))
	if len(blocks) > bot.MaxBlocks || len(blocks) != bot.MaxDigestEntries+2 {
		t.Errorf("%d blocks for %d entries (Slack takes %d)", len(blocks), bot.MaxDigestEntries, bot.MaxBlocks)
	}
	for i, s := range blocks {
		n := utf8.RuneCountInString(s)
		if n > bot.MaxSectionText || !utf8.ValidString(s) {
			t.Errorf("block %d: %d characters or invalid UTF-8", i, n)
		}
		if i > 0 && i <= len(a.Digest.Entries) && n != bot.EntrySize(a.Digest.Entries[i-1]) {
			t.Errorf("block %d: %d characters, EntrySize says %d", i, n, bot.EntrySize(a.Digest.Entries[i-1]))
		}
		if i > 0 && i <= len(a.Digest.Entries) && n > bot.MaxDigestText/8 {
			t.Errorf("entry %d takes %d characters: fewer than 8 would fit in one message", i, n)
		}
		checkSafe(t, fmt.Sprintf("block %d", i), s)
	}
}

func TestDigestEscapes(t *testing.T) {
	a := digestAlert(2, func(int) string { return hostile })
	a.Watcher = "<!everyone>"
	a.Digest.Entries[1].Line = hostile
	for i, s := range texts(t, bot.Blocks(a)) {
		checkSafe(t, fmt.Sprintf("block %d", i), s)
	}
	checkSafe(t, "fallback", bot.Fallback(a))
}

// A follow-up says what changed above the alert, escaped, and goes in
// its first message's thread.
func TestFollowUpBlocks(t *testing.T) {
	a := syriaAlert()
	a.ThreadOf, a.ThreadTS = 41, "1750149000.000100"
	a.Update = &news.Update{OldTitle: hostile, NewTerms: []string{"IS", "AT&T"}}
	got := texts(t, bot.Blocks(a))
	if !strings.HasPrefix(got[0], "context: :arrows_counterclockwise: Update · headline changed, was: _&lt;!channel&gt;") ||
		!strings.HasSuffix(got[0], " · now also matches: *IS, AT&amp;T*") {
		t.Errorf("update line: %s", got[0])
	}
	for i, s := range got {
		checkSafe(t, fmt.Sprintf("block %d", i), s)
	}
	if f := bot.Fallback(a); !strings.HasPrefix(f, "[nahost] update: Waffenruhe in Idlib") {
		t.Errorf("fallback %q", f)
	}
	fs := fakeslack.New(t)
	s := bot.NewSlack("xoxb-test", fs.APIURL(), 5*time.Second)
	if _, err := s.Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	m := fs.Messages()[0]
	if m.ThreadTS != a.ThreadTS {
		t.Errorf("posted with thread_ts %q, want %q", m.ThreadTS, a.ThreadTS)
	}
	// After a crash, the reply is looked for in its thread.
	ts, found, err := s.Posted(context.Background(), a, time.Now().Add(-time.Minute))
	if err != nil || !found || ts != m.TS {
		t.Errorf("Posted = %q, %v, %v; want the reply %q", ts, found, err, m.TS)
	}
}

func TestDigestText(t *testing.T) {
	a := digestAlert(2, func(i int) string { return fmt.Sprintf("Meldung %d", i) })
	a.Digest.Parts, a.Digest.Part, a.Digest.Total = 2, 2, 42
	got := bot.Text(a, time.UTC)
	for _, want := range []string{"── digest of nahost → #nahost: 42 articles, part 2 of 2 ", " 1. Meldung 0\n    https://rr.example/a/0.html?x=1&y=2\n    Im Nordwesten",
		"    rundschau · 2025-06-17 08:30 UTC · matched: Syrien\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("text lacks %q:\n%s", want, got)
		}
	}
}

// However long or full of escapes an entry's parts, it keeps its link and
// its title whole, within a section's limit.
func TestDigestEntryKeepsLink(t *testing.T) {
	amps := strings.Repeat("&", 250)
	a := digestAlert(3, func(int) string { return amps })
	a.Digest.Entries[0].URL = "https://rr.example/" + strings.Repeat("a", 600) + ".html"
	a.Digest.Entries[1].Line = strings.Repeat("Bürger*innen & Wähler*innen <b> ", 200)
	a.Digest.Entries[2].Title = strings.Repeat("Waffenruhe ", 40)
	got := texts(t, bot.Blocks(a))
	for i, s := range got[1:4] {
		if !strings.HasPrefix(s, "*<https://rr.example/") || utf8.RuneCountInString(s) > bot.MaxDigestText/8 {
			t.Errorf("entry %d lost its link or is too long (%d):\n%.300s", i, utf8.RuneCountInString(s), s)
		}
		checkSafe(t, fmt.Sprintf("entry %d", i), s)
	}
	if !regexp.MustCompile(`\|(&amp;)+…>\*`).MatchString(got[1]) {
		t.Errorf("an escaped title is cut before escaping, not inside an escape:\n%.400s", got[1])
	}
	if !strings.Contains(got[2], "Bürger*innen &amp; Wähler") {
		t.Errorf("the summary line is dropped:\n%.400s", got[2])
	}
}

// Other outlets' versions of a story: linked in the alert, named in a
// reply and in a digest entry, escaped everywhere.
func TestAlsoReported(t *testing.T) {
	a := syriaAlert()
	a.Also = []news.Also{{Source: "Bote", URL: "https://bote.example/w.html?a=1&b=2"}, {Source: hostile, URL: "https://x.example/"}}
	got := texts(t, bot.Blocks(a))
	found := false
	for i, s := range got {
		checkSafe(t, fmt.Sprintf("block %d", i), s)
		found = found || strings.HasPrefix(s, ":newspaper: Also reported by <https://bote.example/w.html?a=1&amp;b=2|Bote>, <https://x.example/|&lt;!channel&gt;")
	}
	if !found {
		t.Errorf("no also-reported line:\n%s", strings.Join(got, "\n"))
	}
	r := syriaAlert()
	r.ThreadOf, r.Update = 41, &news.Update{Also: &news.Also{Source: hostile, URL: "https://x.example/"}}
	if s := texts(t, bot.Blocks(r))[0]; !strings.HasPrefix(s, "context: :newspaper: Also reported by *&lt;!channel&gt;") {
		t.Errorf("reply line: %s", s)
	}
	d := digestAlert(1, func(int) string { return "Waffenruhe" })
	d.Digest.Entries[0].Also = a.Also
	entry := texts(t, bot.Blocks(d))[1]
	checkSafe(t, "digest entry", entry)
	if !strings.Contains(entry, "also: Bote, &lt;!channel&gt;") {
		t.Errorf("digest entry: %s", entry)
	}
}

// A digest counts its stories, the articles they were reported in and
// the outlets.
func TestDigestCounts(t *testing.T) {
	a := digestAlert(2, func(i int) string { return fmt.Sprintf("Meldung %d", i) })
	a.Digest.Articles, a.Digest.Outlets = 3, 2
	if f := bot.Fallback(a); f != "[nahost] digest: 2 stories, 3 articles from 2 outlets" {
		t.Errorf("fallback %q", f)
	}
	a.Digest.Articles = 2
	if got := texts(t, bot.Blocks(a))[0]; !strings.HasPrefix(got, "*Digest of nahost*: 2 articles from 2 outlets since") {
		t.Errorf("heading %q", got)
	}
}

package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newsbot/newsbot/bot"
	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/news"
)

// A digest is split so that no message passes Slack's limits on blocks
// and on their text together, and every alert is in exactly one part.
func TestDigestSplitsBySize(t *testing.T) {
	w := &Watcher{Watcher: config.Watcher{Name: "nahost", Channel: "#nahost", Mention: []string{"@here", "U0123ABC", "<!subteam^S42>"}}}
	for _, tt := range []struct {
		name    string
		n       int
		title   string
		line    string
		outlets int // the overview grows with them
	}{
		{"short", 95, "Waffenruhe in Idlib", "Im Nordwesten von Syrien gilt eine Waffenruhe.", 1},
		{"long", 60, strings.Repeat("Waffenruhe in Idlib hält ", 10), strings.Repeat("Im Nordwesten von Syrien & im Osten gilt eine Waffenruhe ", 10) + ".", 1},
		{"long, many outlets", 60, strings.Repeat("Waffenruhe in Idlib hält ", 10), strings.Repeat("Im Nordwesten von Syrien & im Osten gilt eine Waffenruhe ", 10) + ".", 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var held []*news.Alert
			for i := range tt.n {
				held = append(held, &news.Alert{ID: int64(i + 1), Title: tt.title, URL: fmt.Sprintf("https://rr.example/%d.html", i),
					Source: fmt.Sprintf("%s & %d", strings.Repeat("Rundschau ", 8), i%tt.outlets), Summary: tt.line,
					Terms: []string{"Syrien", fmt.Sprintf("%s%d", strings.Repeat("Idlib", 10), i%tt.outlets)},
					Also:  []news.Also{{Source: fmt.Sprintf("Kurier %d", i), URL: "https://kurier.example/" + strings.Repeat("x", 700)}}})
			}
			parts := w.digest(held, time.Now().Add(-time.Hour), time.Now())
			seen := map[int64]int{}
			for i, p := range parts {
				if p.Digest.Part != i+1 || p.Digest.Parts != len(parts) || p.Digest.Total != tt.n {
					t.Errorf("part %d says %d of %d, total %d", i+1, p.Digest.Part, p.Digest.Parts, p.Digest.Total)
				}
				size := 0
				for _, e := range p.Digest.Entries {
					seen[e.AlertID]++
					size += bot.EntrySize(e)
				}
				// What Slack counts: the text of every block, as rendered.
				b, _ := json.Marshal(bot.Blocks(p))
				var blocks []struct {
					Text     struct{ Text string }
					Elements []struct{ Text string }
				}
				json.Unmarshal(b, &blocks)
				text := 0
				for _, bl := range blocks {
					text += utf8.RuneCountInString(bl.Text.Text)
					for _, el := range bl.Elements {
						text += utf8.RuneCountInString(el.Text)
					}
				}
				if len(p.Digest.Entries) > bot.MaxDigestEntries || size > bot.MaxDigestText || text > bot.MaxBlocksText || len(blocks) > bot.MaxBlocks {
					t.Errorf("part %d: %d entries, %d characters of entries, %d of blocks, %d blocks", i+1, len(p.Digest.Entries), size, text, len(blocks))
				}
			}
			for i := range tt.n {
				if seen[int64(i+1)] != 1 {
					t.Errorf("alert %d is in %d parts", i+1, seen[int64(i+1)])
				}
			}
			t.Logf("%d alerts: %d parts", tt.n, len(parts))
		})
	}
}

// A digest sums up its articles before it lists them: the story most
// outlets ran, and the articles by outlet and by term, most first.
func TestDigestOverview(t *testing.T) {
	w := &Watcher{Watcher: config.Watcher{Name: "nahost", Channel: "#nahost"}}
	al := func(id int64, source, title string, terms []string, also ...string) *news.Alert {
		a := &news.Alert{ID: id, Title: title, URL: fmt.Sprintf("https://%s.example/%d.html", strings.ToLower(source), id), Source: source,
			Summary: "Im Nordwesten von Syrien gilt eine Waffenruhe.", Terms: terms}
		for _, o := range also {
			a.Also = append(a.Also, news.Also{Source: o, URL: "https://" + strings.ToLower(o) + ".example/a.html"})
		}
		return a
	}
	held := []*news.Alert{
		al(1, "Kurier", "Lehrer protestieren in Syrien", []string{"Syrien"}),
		al(2, "Bote", "Waffenruhe in Idlib", []string{"Syrien", "IS"}, "Kurier", "Anzeiger"),
		al(3, "Bote", "Hilfskonvois <b>erreichen</b> Idlib", []string{"Syrien"}, "Kurier"),
	}
	parts := w.digest(held, time.Now().Add(-time.Hour), time.Now())
	if len(parts) != 1 {
		t.Fatalf("%d parts", len(parts))
	}
	head := bot.Blocks(parts[0])[0]
	b, _ := json.Marshal(head)
	text := string(b)
	for _, want := range []string{
		"3 stories, 6 articles from 3 outlets",
		`*Most reported:* \u003chttps://bote.example/2.html|Waffenruhe in Idlib\u003e (3 outlets)`,
		"*By outlet:* Kurier 3, Bote 2, Anzeiger 1",
		"*By term:* Syrien 3, IS 1",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the digest's head has no %q:\n%s", want, text)
		}
	}
	// One story alone needs no overview.
	one := w.digest(held[:1], time.Now().Add(-time.Hour), time.Now())
	if b, _ := json.Marshal(bot.Blocks(one[0])[0]); strings.Contains(string(b), "By outlet") || strings.Contains(string(b), "Most reported") {
		t.Errorf("a digest of one story has an overview: %s", b)
	}
}

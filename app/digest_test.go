package app

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
		name  string
		n     int
		title string
		line  string
	}{
		{"short", 95, "Waffenruhe in Idlib", "Im Nordwesten von Syrien gilt eine Waffenruhe."},
		{"long", 60, strings.Repeat("Waffenruhe in Idlib hält ", 10), strings.Repeat("Im Nordwesten von Syrien & im Osten gilt eine Waffenruhe ", 10) + "."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var held []*news.Alert
			for i := range tt.n {
				held = append(held, &news.Alert{ID: int64(i + 1), Title: tt.title, URL: fmt.Sprintf("https://rr.example/%d.html", i),
					Source: "rundschau", Summary: tt.line, Terms: []string{"Syrien"}})
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

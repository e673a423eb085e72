package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/blockkit"
)

var updatePicture = flag.Bool("update-picture", false, "rewrite docs/alert.svg and docs/alert.json from the alert the test posts")

// The README's picture of an alert (docs/alert.svg) is drawn from the
// Block Kit JSON of an alert that newsbot posts to the fake Slack, with
// the local site's address replaced by a reader's: it shows what newsbot
// posts now.
func TestAlertPicture(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.once()
	var blocks []map[string]any
	for _, m := range e.slack.Messages() {
		if m.Channel == "#nahost" && strings.Contains(m.Text, "Waffenruhe in Idlib") {
			raw, _ := json.Marshal(m.Blocks)
			raw = bytes.ReplaceAll(raw, []byte(e.site.URL), []byte("https://rundschau.example"))
			json.Unmarshal(raw, &blocks)
		}
	}
	if blocks == nil {
		t.Fatal("no alert on the Idlib article in #nahost")
	}
	svg := blockkit.SVG(blockkit.Message{App: "newsbot", Time: "08:31", Blocks: blocks})
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(map[string]any{"channel": "#nahost", "blocks": blocks})
	if *updatePicture {
		os.WriteFile("docs/alert.svg", svg, 0o644)
		os.WriteFile("docs/alert.json", js.Bytes(), 0o644)
	}
	for file, got := range map[string][]byte{"docs/alert.svg": svg, "docs/alert.json": js.Bytes()} {
		if want, err := os.ReadFile(file); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not drawn from the alert newsbot posts now: go test -run TestAlertPicture -update-picture . (%v)", file, err)
		}
	}
}

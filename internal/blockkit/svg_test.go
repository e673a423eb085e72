package blockkit

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestMrkdwn(t *testing.T) {
	got := mrkdwn("*<https://rr.example/a.html|Waffenruhe &amp; Hilfe>* in *Syrien*, _laut UN_: <!date^1750149000^{date_short_pretty}|2025-06-17 08:30 UTC> <!here> <@U123> :newspaper: 3*4 snake_case")
	want := []span{
		{text: "Waffenruhe & Hilfe", bold: true, link: true},
		{text: " in "},
		{text: "Syrien", bold: true},
		{text: ", "},
		{text: "laut UN", ital: true},
		{text: ": "},
		{text: "2025-06-17 08:30 UTC"},
		{text: " "},
		{text: "@here", link: true},
		{text: " "},
		{text: "@U123", link: true},
		{text: " 📰 3*4 snake_case"},
	}
	if len(got) != len(want) {
		t.Fatalf("mrkdwn gave %d runs, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// Long text wraps within the width; newlines break lines.
func TestWrap(t *testing.T) {
	text := strings.Repeat("Waffenruhe in Syrien ", 30) + "\nZweite Zeile"
	lines := wrap(mrkdwn(text), textWidth, fontSize)
	if len(lines) < 4 {
		t.Fatalf("%d lines for %d characters", len(lines), len(text))
	}
	for i, l := range lines {
		w := 0.0
		for _, sp := range l {
			for _, r := range strings.TrimRight(sp.text, " ") {
				w += advance(r, fontSize, sp.bold)
			}
		}
		if w > textWidth {
			t.Errorf("line %d is %.0f px wide, more than %d", i, w, textWidth)
		}
	}
	if last := lines[len(lines)-1]; last[0].text != "Zweite Zeile" {
		t.Errorf("the last line is %+v, want the text after the newline", last)
	}
}

// The picture is well-formed XML and carries the message's text, escaped.
func TestSVG(t *testing.T) {
	b := SVG(Message{App: "newsbot", Time: "08:30", Blocks: []map[string]any{
		{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": "*<https://rr.example/a|&lt;b&gt;Gefahr&lt;/b&gt; &amp; Co>*"}},
		{"type": "divider"},
		{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn", "text": "rundschau · watcher nahost"}}},
	}})
	if err := xml.Unmarshal(b, new(struct{})); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b)
	}
	for _, want := range []string{"&lt;b&gt;Gefahr&lt;/b&gt; &amp; Co", "rundschau · watcher nahost", ">newsbot<", "APP"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the picture lacks %q:\n%s", want, b)
		}
	}
}

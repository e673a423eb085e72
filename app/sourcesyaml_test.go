package app

import (
	"strings"
	"testing"

	"github.com/newsbot/newsbot/config"
)

// What discover and import print is taken by validate as it was meant,
// whatever the feeds and OPML files hold: names and folders such as
// null or ~ stay strings, ${VAR} in a feed's address or an OPML's folder
// names no variable of the environment, and control characters in a
// title do not make the block unreadable.
func TestSourcesBlockReadsBackAsWritten(t *testing.T) {
	t.Setenv("NEWSBOT_TEST_SECRET", "xoxb-secret")
	srcs := []newSource{
		{Name: "null", URL: "https://rr.example/a.xml", Folder: "~", Notes: []string{"It\u0092s news", "line\ttwo"}},
		{Name: "b", URL: "https://evil.example/feed.xml?t=${NEWSBOT_TEST_SECRET}", Folder: "${NEWSBOT_TEST_SECRET}", Links: "a[href*='${X}']", NoRobots: true, MaxItems: 500},
	}
	var out strings.Builder
	if err := writeSources(&out, []string{"Mine\u0092s"}, srcs); err != nil {
		t.Fatal(err)
	}
	yaml := out.String() + `watchers: [{name: w, schedule: "@hourly", sources: ["null", b], keywords: [x], channel: "#c"}]` + "\n"
	cfg, err := config.Parse("c.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("the block does not validate: %v\n%s", err, yaml)
	}
	a, b := cfg.Sources[0], cfg.Sources[1]
	if a.Name != "null" || a.Folder != "~" {
		t.Errorf("read back %q in %q, want null in ~", a.Name, a.Folder)
	}
	if strings.Contains(b.URL+b.Folder+b.Links, "xoxb-secret") {
		t.Errorf("a ${VAR} in a feed's address or folder was expanded: %+v", b)
	}
	if b.URL != "https://evil.example/feed.xml?t=%24%7BNEWSBOT_TEST_SECRET%7D" || b.Robots == nil || *b.Robots || b.MaxItems != 500 {
		t.Errorf("second source read back as %+v", b)
	}
	if len(cfg.Warnings()) != 0 {
		t.Errorf("warnings: %v", cfg.Warnings())
	}
}

// Names are made once each, quickly, however many sources share a title.
func TestNamesManyAlike(t *testing.T) {
	n := namesOf(nil)
	seen := map[string]bool{}
	for range 20000 {
		name := n.name("Feed", "https://rr.example/")
		if seen[name] {
			t.Fatalf("name %q given twice", name)
		}
		seen[name] = true
	}
	if got := n.adopt("  ", "x"); got != "x" {
		t.Errorf("a name of spaces adopted: %q", got)
	}
}

package pipeline_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testenv"
)

// A watcher with a digest posts nothing alone: its matches wait, and when
// the digest is due they go out as one message listing each article's
// title, source and one line of summary.
func TestDigest(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: 30m\n    mention: [\"@here\"]")
	out := e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != 0 || !strings.Contains(out, "3 matches (3 kept for a digest)") {
		t.Fatalf("a digest watcher posted %d messages before its digest was due\n%s", n, out)
	}
	e.SetDigestDue("nahost")
	e.Once("--watcher", "nahost")
	msgs := e.Slack.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages when the digest was due, want 1", len(msgs))
	}
	m := msgs[0]
	text := m.BlockText()
	for _, want := range []string{"<!here> *Digest of nahost*: 3 articles from 2 outlets since <!date^",
		"Waffenruhe in Idlib", "Koblenz", "UN report", "_rundschau · <!date^", "Im Nordwesten von Syrien gilt"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if m.Channel != "#nahost" || !strings.Contains(m.Text, "[nahost] digest: 3 articles from 2 outlets") {
		t.Errorf("digest went to %s with fallback %q", m.Channel, m.Text)
	}
	for _, c := range testenv.Chrome {
		if strings.Contains(text, c) {
			t.Errorf("digest carries page chrome %q", c)
		}
	}
	// Not due again yet, and nothing new: nothing more.
	e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("%d messages after a digest with nothing new", n)
	}
	// A follow-up on an article in a digest goes in the digest's thread.
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	e.Site.Set("/rss/politik.xml", strings.ReplaceAll(e.File("rss/politik.xml"), oldHead, newHead))
	out = e.Once("--watcher", "nahost")
	msgs = e.Slack.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != m.TS || !strings.Contains(msgs[1].BlockText(), newHead) {
		t.Errorf("the follow-up should be a reply to the digest: %+v\n%s", msgs[1:], out)
	}
}

// A digest of more articles than one message can list is split, and
// each article is listed exactly once.
func TestDigestSplits(t *testing.T) {
	site := testenv.NewsSite(t, 45)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien], digest: "0 8 * * *"}
`, site.URL+"/feed.xml"))
	slack := e.Slack
	e.Once()
	e.SetDigestDue("syrien")
	e.Once()
	msgs := slack.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d digest messages for 45 articles, want 2", len(msgs))
	}
	listed := map[string]int{}
	for i, m := range msgs {
		if len(m.Blocks) > 50 {
			t.Errorf("message %d has %d blocks, Slack takes 50", i, len(m.Blocks))
		}
		if !strings.Contains(m.Text, fmt.Sprintf("45 articles, part %d of 2", i+1)) {
			t.Errorf("message %d fallback %q", i, m.Text)
		}
		for _, l := range regexp.MustCompile(`Meldung \d+ aus Syrien`).FindAllString(m.BlockText(), -1) {
			listed[l]++
		}
	}
	for i := range 45 {
		if n := listed[fmt.Sprintf("Meldung %d aus Syrien", i)]; n != 1 {
			t.Errorf("article %d listed %d times", i, n)
		}
	}
	// The next digest has nothing to list: no message.
	e.SetDigestDue("syrien")
	e.Once()
	if n := len(slack.Messages()); n != 2 {
		t.Errorf("a digest with nothing new posted %d more messages", n-2)
	}
}

// A digest that falls due in its watcher's quiet hours waits for them to
// end; the alerts found meanwhile fold into it.
func TestDigestWaitsForQuietHours(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	quiet := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	e.Edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: 30m\n    quiet: \""+quiet+"\"")
	e.Once("--watcher", "nahost")
	e.SetDigestDue("nahost")
	out := e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != 0 {
		t.Errorf("in quiet hours %d messages were posted; want the digest to wait\n%s", n, out)
	}
	var held int
	e.Store().QueryRow(`SELECT count(*) FROM alerts WHERE status = 'held'`).Scan(&held)
	if held != 3 {
		t.Errorf("%d alerts wait for the digest, want 3 (a digest made in quiet hours would miss what comes later)", held)
	}
	// Quiet hours over (the config changed): the digest goes out.
	e.Edit("    quiet: \""+quiet+"\"", "")
	e.Once("--watcher", "nahost")
	if msgs := e.Slack.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "digest: 3 articles") {
		t.Errorf("after quiet hours: %d messages, want the digest of 3", len(msgs))
	}
}

// Alerts held for a digest that the config no longer has go out as
// alerts of their own.
func TestDigestRemoved(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: \"0 8 * * *\"")
	e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != 0 {
		t.Fatalf("%d messages before the digest", n)
	}
	e.Edit("    digest: \"0 8 * * *\"", "")
	out := e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != 3 || !strings.Contains(out, "no longer configured") {
		t.Errorf("%d alerts after the digest was removed, want the 3 held\n%s", n, out)
	}
}

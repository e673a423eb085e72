package pipeline_test

import (
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testenv"
)

// An article already alerted whose headline changes, or that now matches
// more of the watcher's terms, gets one reply in the first message's
// thread; a check that finds nothing new posts nothing.
func TestFollowUpInThread(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Once("--watcher", "nahost")
	first := map[string]fakeslack.Message{} // by URL in the text
	for _, m := range e.Slack.Messages() {
		for _, p := range []string{"syrien-waffenruhe", "is-kaempfer"} {
			if strings.Contains(m.Text, p) {
				first[p] = m
			}
		}
	}
	if len(first) != 2 {
		t.Fatalf("want alerts on the Syria article and the paywalled trial, got %d messages", len(e.Slack.Messages()))
	}
	before := len(e.Slack.Messages())

	// The editors change the Syria headline (page and feed), and the
	// trial's teaser now names Syria.
	const oldHead, newHead = "Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten", "Waffenruhe in Idlib hält – Hilfskonvois erreichen Tausende"
	e.Site.Set("/politik/ausland/syrien-waffenruhe-idlib-4711.html", strings.ReplaceAll(e.File("politik/ausland/syrien-waffenruhe-idlib-4711.html"), oldHead, newHead))
	feed := strings.ReplaceAll(e.File("rss/politik.xml"), oldHead, newHead)
	feed = strings.Replace(feed, "für die Terrormiliz IS gekämpft haben soll.", "für die Terrormiliz IS in Syrien gekämpft haben soll.", 1)
	e.Site.Set("/rss/politik.xml", feed)
	out := e.Once("--watcher", "nahost")

	msgs := e.Slack.Messages()[before:]
	if len(msgs) != 2 {
		t.Fatalf("after the changes %d messages, want 2 follow-ups\n%s", len(msgs), out)
	}
	for _, m := range msgs {
		var p string
		for q := range first {
			if strings.Contains(m.Text, q) {
				p = q
			}
		}
		if p == "" || m.ThreadTS != first[p].TS || m.Channel != "#nahost" {
			t.Errorf("follow-up %q went to %s thread %q; want the thread of the first alert on it", m.Text, m.Channel, m.ThreadTS)
			continue
		}
		text := m.BlockText()
		switch p {
		case "syrien-waffenruhe":
			if !strings.Contains(text, "headline changed, was: _Syrien: "+oldHead+"_") || !strings.Contains(text, "|Syrien: "+newHead+">") {
				t.Errorf("headline follow-up should show the new and the old headline:\n%s", text)
			}
		case "is-kaempfer":
			if !strings.Contains(text, "now also matches: *Syrien*") || strings.Contains(text, "headline changed") {
				t.Errorf("new-term follow-up should name the new term only:\n%s", text)
			}
		}
	}
	if !strings.Contains(out, "2 follow-ups") {
		t.Errorf("the summary line should count the follow-ups:\n%s", out)
	}
	// Nothing changed since: nothing more.
	e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != before+2 {
		t.Errorf("a check without changes posted %d more messages", n-before-2)
	}
}

// A headline that changes before its alert went out (Slack was down)
// does not make two messages: the alert goes out once, with the new
// headline.
func TestChangeBeforeSendingUpdatesTheAlert(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    mention: [\"@here\"]")
	e.Slack.Refuse["#nahost"] = "internal_error"
	e.Undelivered("--watcher", "nahost", "--timeout", "1s")
	if n := len(e.Slack.Messages()); n != 0 {
		t.Fatalf("%d messages while Slack refused", n)
	}
	var id int64
	if err := e.Store().QueryRow(`SELECT id FROM alerts WHERE status = 'pending' AND url LIKE '%is-kaempfer%'`).Scan(&id); err != nil {
		t.Fatalf("the trial's alert is not pending: %v", err)
	}
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	e.Site.Set("/rss/politik.xml", strings.ReplaceAll(e.File("rss/politik.xml"), oldHead, newHead))
	delete(e.Slack.Refuse, "#nahost")
	e.Once("--watcher", "nahost")
	var trial []fakeslack.Message
	for _, m := range e.Slack.Messages() {
		if strings.Contains(m.Text, "is-kaempfer") {
			trial = append(trial, m)
		}
	}
	if len(trial) != 1 || !strings.Contains(trial[0].Text, newHead) || trial[0].ThreadTS != "" {
		t.Fatalf("want one message on the trial, with the new headline; got %d: %+v", len(trial), trial)
	}
	if got := trial[0].Metadata["event_payload"].(map[string]any)["alert_id"]; got != float64(id) {
		t.Errorf("sent as alert %v, want the recorded alert %d", got, id)
	}
	if !strings.HasPrefix(trial[0].Text, "<!here> ") || strings.Contains(trial[0].BlockText(), "Update") {
		t.Errorf("the updated alert should still notify @here, and read as a first alert: %q\n%s", trial[0].Text, trial[0].BlockText())
	}
}

// A publisher moves an article to a new link (with a new headline) and
// keeps its feed GUID: the same article, so a follow-up in its thread,
// not a new alert; and nothing more on the next check.
func TestMovedArticleSameGUID(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	// By its GUID alone: the same-story check is off.
	e.Edit("first_run: alert\n", "first_run: alert\nstory_window: 0s\n")
	e.Once("--watcher", "nahost")
	var first fakeslack.Message
	for _, m := range e.Slack.Messages() {
		if strings.Contains(m.Text, "syrien-waffenruhe") {
			first = m
		}
	}
	before := len(e.Slack.Messages())
	const oldPath, newPath = "/politik/ausland/syrien-waffenruhe-idlib-4711.html", "/politik/ausland/waffenruhe-idlib-gebrochen-4711.html"
	const oldHead, newHead = "Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten", "Waffenruhe in Idlib gebrochen – Hilfskonvois stecken fest"
	page := strings.ReplaceAll(strings.ReplaceAll(e.File("politik/ausland/syrien-waffenruhe-idlib-4711.html"), oldPath, newPath), oldHead, newHead)
	e.Site.Set(newPath, page)
	feed := strings.ReplaceAll(strings.ReplaceAll(e.File("rss/politik.xml"), oldPath+"?utm_source=rss&amp;utm_medium=feed&amp;utm_campaign=politik", newPath), oldHead, newHead)
	e.Site.Set("/rss/politik.xml", feed)
	out := e.Once("--watcher", "nahost")
	msgs := e.Slack.Messages()[before:]
	var inThread, top int
	for _, m := range msgs {
		if m.ThreadTS == first.TS {
			inThread++
		} else if strings.Contains(m.Text, "gebrochen") {
			top++
		}
	}
	if top != 0 || inThread != 1 {
		t.Errorf("a moved article: %d new alerts, %d replies; want none and one\n%s", top, inThread, out)
	}
	e.Once("--watcher", "nahost")
	if n := len(e.Slack.Messages()); n != before+len(msgs) {
		t.Errorf("the next check posted %d more messages", n-before-len(msgs))
	}
}

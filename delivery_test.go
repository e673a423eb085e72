package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
)

// storeOf opens the env's store file with database/sql, to look at it or
// to forge what time or a crash would leave.
func (e *env) storeOf() *sql.DB {
	e.t.Helper()
	b, err := os.ReadFile(e.config)
	if err != nil {
		e.t.Fatal(err)
	}
	db, err := sql.Open("sqlite", regexp.MustCompile(`storage: (.*)`).FindStringSubmatch(string(b))[1])
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	return db
}

func (e *env) file(p string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/site", p))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// An article already alerted whose headline changes, or that now matches
// more of the watcher's terms, gets one reply in the first message's
// thread; a check that finds nothing new posts nothing.
func TestFollowUpInThread(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.once("--watcher", "nahost")
	first := map[string]fakeslack.Message{} // by URL in the text
	for _, m := range e.slack.Messages() {
		for _, p := range []string{"syrien-waffenruhe", "is-kaempfer"} {
			if strings.Contains(m.Text, p) {
				first[p] = m
			}
		}
	}
	if len(first) != 2 {
		t.Fatalf("want alerts on the Syria article and the paywalled trial, got %d messages", len(e.slack.Messages()))
	}
	before := len(e.slack.Messages())

	// The editors change the Syria headline (page and feed), and the
	// trial's teaser now names Syria.
	const oldHead, newHead = "Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten", "Waffenruhe in Idlib hält – Hilfskonvois erreichen Tausende"
	e.site.Set("/politik/ausland/syrien-waffenruhe-idlib-4711.html", strings.ReplaceAll(e.file("politik/ausland/syrien-waffenruhe-idlib-4711.html"), oldHead, newHead))
	feed := strings.ReplaceAll(e.file("rss/politik.xml"), oldHead, newHead)
	feed = strings.Replace(feed, "für die Terrormiliz IS gekämpft haben soll.", "für die Terrormiliz IS in Syrien gekämpft haben soll.", 1)
	e.site.Set("/rss/politik.xml", feed)
	out := e.once("--watcher", "nahost")

	msgs := e.slack.Messages()[before:]
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
	e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != before+2 {
		t.Errorf("a check without changes posted %d more messages", n-before-2)
	}
}

// A headline that changes before its alert went out (Slack was down)
// does not make two messages: the alert goes out once, with the new
// headline.
func TestChangeBeforeSendingUpdatesTheAlert(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    mention: [\"@here\"]")
	e.slack.Refuse["#nahost"] = "internal_error"
	e.once("--watcher", "nahost", "--timeout", "1s")
	if n := len(e.slack.Messages()); n != 0 {
		t.Fatalf("%d messages while Slack refused", n)
	}
	var id int64
	if err := e.storeOf().QueryRow(`SELECT id FROM alerts WHERE status = 'pending' AND url LIKE '%is-kaempfer%'`).Scan(&id); err != nil {
		t.Fatalf("the trial's alert is not pending: %v", err)
	}
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	e.site.Set("/rss/politik.xml", strings.ReplaceAll(e.file("rss/politik.xml"), oldHead, newHead))
	delete(e.slack.Refuse, "#nahost")
	e.once("--watcher", "nahost")
	var trial []fakeslack.Message
	for _, m := range e.slack.Messages() {
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

// setDigestDue makes the watcher's last digest a day older, as if time
// had passed.
func (e *env) setDigestDue(watcher string) {
	e.t.Helper()
	res, err := e.storeOf().Exec(`UPDATE digests SET last_at = last_at - 86400 - 60 WHERE watcher = ?`, watcher)
	if err != nil {
		e.t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		e.t.Fatalf("no digest row for %s", watcher)
	}
}

// A watcher with a digest posts nothing alone: its matches wait, and when
// the digest is due they go out as one message listing each article's
// title, source and one line of summary.
func TestDigest(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: 30m\n    mention: [\"@here\"]")
	out := e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != 0 || !strings.Contains(out, "3 matches (3 kept for a digest)") {
		t.Fatalf("a digest watcher posted %d messages before its digest was due\n%s", n, out)
	}
	e.setDigestDue("nahost")
	e.once("--watcher", "nahost")
	msgs := e.slack.Messages()
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
	for _, c := range chrome {
		if strings.Contains(text, c) {
			t.Errorf("digest carries page chrome %q", c)
		}
	}
	// Not due again yet, and nothing new: nothing more.
	e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != 1 {
		t.Errorf("%d messages after a digest with nothing new", n)
	}
	// A follow-up on an article in a digest goes in the digest's thread.
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	e.site.Set("/rss/politik.xml", strings.ReplaceAll(e.file("rss/politik.xml"), oldHead, newHead))
	out = e.once("--watcher", "nahost")
	msgs = e.slack.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != m.TS || !strings.Contains(msgs[1].BlockText(), newHead) {
		t.Errorf("the follow-up should be a reply to the digest: %+v\n%s", msgs[1:], out)
	}
}

// A digest of more articles than one message can list is split, and
// each article is listed exactly once.
func TestDigestSplits(t *testing.T) {
	site := newsSite(t, 45)
	e := bareEnv(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien], digest: "0 8 * * *"}
`, site.URL+"/feed.xml"))
	slack := e.slack
	e.once()
	e.setDigestDue("syrien")
	e.once()
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
	e.setDigestDue("syrien")
	e.once()
	if n := len(slack.Messages()); n != 2 {
		t.Errorf("a digest with nothing new posted %d more messages", n-2)
	}
}

// A digest that falls due in its watcher's quiet hours waits for them to
// end; the alerts found meanwhile fold into it.
func TestDigestWaitsForQuietHours(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	quiet := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	e.edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: 30m\n    quiet: \""+quiet+"\"")
	e.once("--watcher", "nahost")
	e.setDigestDue("nahost")
	out := e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != 0 {
		t.Errorf("in quiet hours %d messages were posted; want the digest to wait\n%s", n, out)
	}
	var held int
	e.storeOf().QueryRow(`SELECT count(*) FROM alerts WHERE status = 'held'`).Scan(&held)
	if held != 3 {
		t.Errorf("%d alerts wait for the digest, want 3 (a digest made in quiet hours would miss what comes later)", held)
	}
	// Quiet hours over (the config changed): the digest goes out.
	e.edit("    quiet: \""+quiet+"\"", "")
	e.once("--watcher", "nahost")
	if msgs := e.slack.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "digest: 3 articles") {
		t.Errorf("after quiet hours: %d messages, want the digest of 3", len(msgs))
	}
}

// Alerts held for a digest that the config no longer has go out as
// alerts of their own.
func TestDigestRemoved(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit(`    channel: "#nahost"`, "    channel: \"#nahost\"\n    digest: \"0 8 * * *\"")
	e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != 0 {
		t.Fatalf("%d messages before the digest", n)
	}
	e.edit("    digest: \"0 8 * * *\"", "")
	out := e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != 3 || !strings.Contains(out, "no longer configured") {
		t.Errorf("%d alerts after the digest was removed, want the 3 held\n%s", n, out)
	}
}

// With an incoming webhook instead of a token, alerts arrive in the
// webhook's channel with the same blocks; a follow-up is a message of its
// own; a removed webhook stops sending, keeps the alerts, and the log
// tells why without giving the webhook's secret away.
func TestWebhook(t *testing.T) {
	e := newEnv(t, "alert", "")
	e.edit("  token: \n", "  webhook_url: "+e.slack.WebhookURL()+"\n")
	out := e.once("--watcher", "nahost")
	msgs := e.slack.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages through the webhook, want 3\n%s", len(msgs), out)
	}
	for _, m := range msgs {
		if m.Channel != "webhook" || !strings.Contains(m.BlockText(), "watcher nahost") || !strings.HasPrefix(m.Text, "[nahost] ") || m.UnfurlLinks != "false" {
			t.Errorf("webhook message: channel %s, text %q, unfurl %q\n%s", m.Channel, m.Text, m.UnfurlLinks, m.BlockText())
		}
	}
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	feed := strings.ReplaceAll(e.file("rss/politik.xml"), oldHead, newHead)
	e.site.Set("/rss/politik.xml", feed)
	e.once("--watcher", "nahost")
	msgs = e.slack.Messages()
	if len(msgs) != 4 || !strings.Contains(msgs[3].BlockText(), "headline changed") || !strings.HasPrefix(msgs[3].Text, "[nahost] update: "+newHead) {
		t.Errorf("want the follow-up as a fourth message: %+v", msgs[3:])
	}

	e.slack.Refuse["webhook"] = "no_service"
	e.site.Set("/rss/politik.xml", strings.Replace(feed, "<item>", `<item><title>Neue Gespräche über Syrien</title><link>{{BASE}}/neu.html</link><description>Syrien</description></item><item>`, 1))
	code, stdout, stderr := e.newsbot("once", "--config", e.config, "--watcher", "nahost")
	if code != 0 || !strings.Contains(stderr, "no_service") || !strings.Contains(stderr, "(slack.webhook_url)") || !strings.Contains(stdout+stderr, "1 pending") {
		t.Errorf("a removed webhook should stop sending and keep the alert pending (exit %d):\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cr3tw3bh00k") {
		t.Errorf("the log gives the webhook's secret away:\n%s", stderr)
	}
	delete(e.slack.Refuse, "webhook")
	e.once("--watcher", "nahost")
	if msgs := e.slack.Messages(); len(msgs) != 5 || !strings.Contains(msgs[4].Text, "Neue Gespräche über Syrien") {
		t.Errorf("the pending alert should go out once the webhook works: %d messages", len(msgs))
	}
}

// Slack takes a message and its answer never comes (a hang, then
// newsbot's timeout): the retry finds the message in the channel and
// records it instead of posting it twice.
func TestSlackHangsAfterPosting(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("  pace: 10ms\n", "  pace: 10ms\n  timeout: 1s\n")
	e.slack.HangNext = 1
	start := time.Now()
	out := e.once("--watcher", "nahost")
	took := time.Since(start)
	count := map[string]int{}
	for _, m := range e.slack.Messages() {
		count[m.Text]++
	}
	if len(count) != 3 {
		t.Errorf("%d distinct alerts, want 3\n%s", len(count), out)
	}
	for text, n := range count {
		if n != 1 {
			t.Errorf("posted %d times: %s", n, text)
		}
	}
	if !strings.Contains(out, "alert was posted before, though no answer said so") || !strings.Contains(out, "3 alerts sent") {
		t.Errorf("the log should say the alert was found in the channel, and count it sent:\n%s", out)
	}
	if took > 10*time.Second {
		t.Errorf("a hang cost %v, with a 1 s timeout", took)
	}
}

// Slack answers 429 with Retry-After: newsbot leaves that channel alone
// exactly that long, while the other channels go on, and then sends
// everything once.
func TestRateLimitRetryAfter(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	e.slack.RateLimit["#nahost"] = 2
	start := time.Now()
	out := e.once()
	calls := e.slack.Calls()
	var limited, next time.Time
	for _, c := range calls {
		switch {
		case c.Channel == "#nahost" && c.Status == 429:
			limited = c.At
		case c.Channel == "#nahost" && !limited.IsZero() && next.IsZero():
			next = c.At
		}
	}
	if limited.IsZero() || next.IsZero() {
		t.Fatalf("want a 429 on #nahost and a later call: %+v", calls)
	}
	if gap := next.Sub(limited); gap < 2*time.Second || gap > 3500*time.Millisecond {
		t.Errorf("the next call to #nahost came %v after a 429 with Retry-After 2, want 2 s", gap)
	}
	count := map[string]int{}
	last := 0.0
	for _, m := range e.slack.Messages() {
		count[m.Text]++
		if m.Channel == "#nahost" {
			id := m.Metadata["event_payload"].(map[string]any)["alert_id"].(float64)
			if id < last {
				t.Errorf("alert %v went to #nahost after alert %v: out of order", id, last)
			}
			last = id
		}
	}
	for text, n := range count {
		if n != 1 {
			t.Errorf("posted %d times: %s", n, text)
		}
	}
	var unsent int
	e.storeOf().QueryRow(`SELECT count(*) FROM alerts WHERE status != 'sent'`).Scan(&unsent)
	if len(count) != 4 || unsent != 0 || strings.Contains(out, "pending") {
		t.Errorf("%d alerts posted, %d not sent in the store; want all 4 sent\n%s", len(count), unsent, out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("once took %v", took)
	}
}

// Summaries from a language model through an OpenAI-compatible endpoint:
// written in the watcher's language from the article's text, marked as
// the model's; past the daily budget, or when the endpoint fails, the
// extractive summary stands in and the log says why.
func TestModelSummaries(t *testing.T) {
	var mu sync.Mutex
	var requests []map[string]any
	fail := false
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error":{"message":"wrong path or key"}}`, http.StatusUnauthorized)
			return
		}
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		requests = append(requests, req)
		failing := fail
		mu.Unlock()
		if failing {
			http.Error(w, `{"error":{"message":"overloaded (request with key sk-test)"}}`, http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []map[string]any{{"message": map[string]any{"role": "assistant",
			"content": "Im Nordwesten von Syrien gilt eine Waffenruhe.\n Hilfskonvois erreichen die Region."}}}})
	}))
	defer llm.Close()
	e := newEnv(t, "alert", "xoxb-test-token")
	e.edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test, daily_budget: 1}\nhttp:\n", llm.URL+"/v1"))
	out := e.once("--watcher", "nahost")
	var byModel, own int
	for _, m := range e.slack.Messages() {
		text := m.BlockText()
		if strings.Contains(text, "summary written by test-model") {
			byModel++
			if !strings.Contains(text, "Im Nordwesten von *Syrien* gilt eine Waffenruhe. Hilfskonvois erreichen die Region.") {
				t.Errorf("the model's summary, with the matched word marked, should be the alert's:\n%s", text)
			}
		} else {
			own++
		}
	}
	if byModel != 1 || own != 2 || !strings.Contains(out, "budget of model summaries is spent") {
		t.Errorf("with a budget of 1: %d summaries by the model, %d own; want 1 and 2, and the log saying so\n%s", byModel, own, out)
	}
	mu.Lock()
	if len(requests) != 1 {
		t.Fatalf("%d requests to the model, want 1", len(requests))
	}
	req := requests[0]
	mu.Unlock()
	msgs, _ := req["messages"].([]any)
	if req["model"] != "test-model" || len(msgs) != 2 || !strings.Contains(fmt.Sprint(msgs[0]), "German") || !strings.Contains(fmt.Sprint(msgs[1]), "Waffenruhe") {
		t.Errorf("request to the model: %v", req)
	}
	// The endpoint fails: the extractive summary, and a log line.
	e2 := newEnv(t, "alert", "xoxb-test-token")
	e2.edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test}\nhttp:\n", llm.URL+"/v1"))
	mu.Lock()
	fail = true
	mu.Unlock()
	out = e2.once("--watcher", "nahost")
	for _, m := range e2.slack.Messages() {
		if strings.Contains(m.BlockText(), "summary written by") {
			t.Errorf("a failed model summary was used:\n%s", m.BlockText())
		}
	}
	if len(e2.slack.Messages()) != 3 || !strings.Contains(out, "model summary failed: using the extractive summary") || !strings.Contains(out, "overloaded") {
		t.Errorf("with the model failing: %d alerts\n%s", len(e2.slack.Messages()), out)
	}
	if strings.Contains(out, "sk-test") {
		t.Errorf("the API key got into the log:\n%s", out)
	}
	mu.Lock()
	if n := len(requests); n != 2 {
		t.Errorf("after a failure the model was asked %d more times in the tick, want none", n-2)
	}
	mu.Unlock()
	var spent int
	e2.storeOf().QueryRow(`SELECT COALESCE(SUM(calls), 0) FROM llm_usage`).Scan(&spent)
	if spent != 0 {
		t.Errorf("a failed call counted against the budget (%d)", spent)
	}

	// Two watchers matching the same articles: one summary each.
	e3 := newEnv(t, "alert", "xoxb-test-token")
	e3.edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test}\nhttp:\n", llm.URL+"/v1"))
	e3.edit("watchers:\n", "watchers:\n  - {name: zwilling, schedule: \"@hourly\", sources: [rundschau, rundschau-politik, world], keywords: [Syrien, IS], channel: \"#zwilling\"}\n")
	mu.Lock()
	fail, requests = false, nil
	mu.Unlock()
	e3.once()
	mu.Lock()
	defer mu.Unlock()
	urls := map[string]int{}
	for _, r := range requests {
		msgs, _ := r["messages"].([]any)
		urls[fmt.Sprint(msgs[1])]++
	}
	for u, n := range urls {
		if n != 1 {
			t.Errorf("an article was summarized %d times in one tick: %.80s", n, u)
		}
	}
}

// A publisher moves an article to a new link (with a new headline) and
// keeps its feed GUID: the same article, so a follow-up in its thread,
// not a new alert; and nothing more on the next check.
func TestMovedArticleSameGUID(t *testing.T) {
	e := newEnv(t, "alert", "xoxb-test-token")
	// By its GUID alone: the same-story check is off.
	e.edit("first_run: alert\n", "first_run: alert\nstory_window: 0s\n")
	e.once("--watcher", "nahost")
	var first fakeslack.Message
	for _, m := range e.slack.Messages() {
		if strings.Contains(m.Text, "syrien-waffenruhe") {
			first = m
		}
	}
	before := len(e.slack.Messages())
	const oldPath, newPath = "/politik/ausland/syrien-waffenruhe-idlib-4711.html", "/politik/ausland/waffenruhe-idlib-gebrochen-4711.html"
	const oldHead, newHead = "Waffenruhe in Idlib – erste Hilfskonvois erreichen den Nordwesten", "Waffenruhe in Idlib gebrochen – Hilfskonvois stecken fest"
	page := strings.ReplaceAll(strings.ReplaceAll(e.file("politik/ausland/syrien-waffenruhe-idlib-4711.html"), oldPath, newPath), oldHead, newHead)
	e.site.Set(newPath, page)
	feed := strings.ReplaceAll(strings.ReplaceAll(e.file("rss/politik.xml"), oldPath+"?utm_source=rss&amp;utm_medium=feed&amp;utm_campaign=politik", newPath), oldHead, newHead)
	e.site.Set("/rss/politik.xml", feed)
	out := e.once("--watcher", "nahost")
	msgs := e.slack.Messages()[before:]
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
	e.once("--watcher", "nahost")
	if n := len(e.slack.Messages()); n != before+len(msgs) {
		t.Errorf("the next check posted %d more messages", n-before-len(msgs))
	}
}

package deliver_test

import (
	"database/sql"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/testenv"
)

func TestDeadSourceAndRefusedChannelDoNotStopOthers(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Site.Fail("/atom/world.xml", 500)
	e.Slack.Refuse["#nahost"] = "channel_not_found"
	out := e.Undelivered() // parked: cron hears of it
	var macron int
	for _, m := range e.Slack.Messages() {
		if m.Channel == "#news" {
			macron++
		}
	}
	if macron != 1 {
		t.Errorf("macron alerts = %d, want 1 despite the dead source and the refused channel\n%s", macron, out)
	}
	for _, s := range []string{"source=world", "500", "channel_not_found", "channel=#nahost"} {
		if !strings.Contains(out, s) {
			t.Errorf("log lacks %q:\n%s", s, out)
		}
	}
	// Parked alerts are not retried on the next run.
	before := len(e.Slack.Messages())
	delete(e.Slack.Refuse, "#nahost")
	e.Once()
	if n := len(e.Slack.Messages()) - before; n != 0 {
		t.Errorf("parked alerts were sent again (%d)", n)
	}
}

func TestSlackOutageKeepsAlertsPending(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Slack.FailNext = 1000
	out := e.Undelivered("--watcher", "macron", "--timeout", "1s")
	if !strings.Contains(out, "1 pending") || !strings.Contains(out, "stopped after 1s (--timeout)") {
		t.Errorf("an alert Slack could not take should stay pending:\n%s", out)
	}
	e.Slack.FailNext = 0
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("after Slack came back, %d alerts were sent, want the 1 pending", n)
	}
}

// A refused token stops all sending and loses nothing: once the token is
// fixed, the alerts go out.
func TestInvalidTokenKeepsAlertsPending(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Slack.Refuse["#news"] = "invalid_auth"
	e.Slack.Refuse["#nahost"] = "invalid_auth"
	out := e.Undelivered()
	if !strings.Contains(out, "stopping all sending") || !strings.Contains(out, "4 pending") {
		t.Errorf("a refused token should stop sending and keep the 4 alerts pending:\n%s", out)
	}
	e.Slack.Refuse = map[string]string{}
	e.Once()
	if n := len(e.Slack.Messages()); n != 4 {
		t.Errorf("after the token was fixed %d alerts were sent, want 4", n)
	}
}

// Each channel gets at most one message a second (slack.pace), so that
// Slack's rate limit is the exception; other channels do not wait.
func TestPacing(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("pace: 10ms", "pace: 300ms")
	e.Once("--watcher", "nahost")
	var last time.Time
	n := 0
	for _, m := range e.Slack.Messages() {
		if m.Channel != "#nahost" {
			continue
		}
		if n > 0 && m.At.Sub(last) < 290*time.Millisecond {
			t.Errorf("two messages to #nahost %v apart, want at least the pace of 300ms", m.At.Sub(last))
		}
		last = m.At
		n++
	}
	if n != 3 {
		t.Errorf("%d alerts to #nahost, want 3", n)
	}
}

// once waits out a short Slack outage: it returns when every alert is
// sent, not with alerts left pending.
func TestOnceWaitsOutShortOutage(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Slack.FailNext = 3 // one delivery's three tries
	out := e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 || strings.Contains(out, "pending") {
		t.Errorf("after a short outage once sent %d alerts, want 1 and none pending\n%s", n, out)
	}
}

// The ops channel hears about an alert that cannot be delivered.
func TestOpsChannelHearsAboutParkedAlerts(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  pace: 10ms\n", "  pace: 10ms\n  ops_channel: \"#ops\"\n")
	e.Slack.Refuse["#news"] = "not_in_channel"
	e.Undelivered("--watcher", "macron")
	var ops []string
	for _, m := range e.Slack.Messages() {
		if m.Channel == "#ops" {
			ops = append(ops, m.Text)
		}
	}
	if len(ops) != 1 || !strings.Contains(ops[0], "macron") || !strings.Contains(ops[0], "#news") || !strings.Contains(ops[0], "not_in_channel") {
		t.Errorf("ops channel got %q, want one notice naming the watcher, the channel and the reason", ops)
	}
}

// During a watcher's quiet hours its alerts wait; once does not wait for
// them, and says how many are held.
func TestQuietHours(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	now := time.Now().In(berlin)
	quiet := now.Add(-time.Hour).Format("15:04") + "-" + now.Add(time.Hour).Format("15:04")
	e.Edit("    keywords: [Emmanuel Macron, Macron]", "    keywords: [Emmanuel Macron, Macron]\n    quiet: \""+quiet+"\"")
	start := time.Now()
	out := e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 0 || !strings.Contains(out, "1 held for quiet hours") {
		t.Errorf("during quiet hours %d alerts were sent, want none held back\n%s", n, out)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("once waited for an alert held for quiet hours")
	}
}

// A process killed between Slack's answer and the store's commit leaves
// its alert claimed; the next one finds the message in the channel's
// history (by its metadata) and records it instead of posting it again.
func TestInterruptedAlertNotPostedTwice(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Fatalf("%d alerts, want 1", n)
	}
	// Make the store look as it does after such a kill: the alert claimed
	// long ago, never marked sent.
	db := regexp.MustCompile(`storage: (.*)`).FindStringSubmatch(func() string { b, _ := os.ReadFile(e.Config); return string(b) }())[1]
	sdb, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE alerts SET status = 'sending', claimed_at = 1, ts = ''`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	out := e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("the interrupted alert was posted again (%d messages)\n%s", n, out)
	}
	if !strings.Contains(out, "alert was posted before, though no answer said so") {
		t.Errorf("the log should say the alert was found in the channel:\n%s", out)
	}
}

// With an incoming webhook instead of a token, alerts arrive in the
// webhook's channel with the same blocks; a follow-up is a message of its
// own; a removed webhook stops sending, keeps the alerts, and the log
// tells why without giving the webhook's secret away.
func TestWebhook(t *testing.T) {
	e := testenv.New(t, "alert", "")
	e.Edit("  token: \n", "  webhook_url: "+e.Slack.WebhookURL()+"\n")
	out := e.Once("--watcher", "nahost")
	msgs := e.Slack.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages through the webhook, want 3\n%s", len(msgs), out)
	}
	for _, m := range msgs {
		if m.Channel != "webhook" || !strings.Contains(m.BlockText(), "watcher nahost") || !strings.HasPrefix(m.Text, "[nahost] ") || m.UnfurlLinks != "false" {
			t.Errorf("webhook message: channel %s, text %q, unfurl %q\n%s", m.Channel, m.Text, m.UnfurlLinks, m.BlockText())
		}
	}
	const oldHead, newHead = "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht", "Prozess in Koblenz: Angeklagter schweigt zum Auftakt"
	feed := strings.ReplaceAll(e.File("rss/politik.xml"), oldHead, newHead)
	e.Site.Set("/rss/politik.xml", feed)
	e.Once("--watcher", "nahost")
	msgs = e.Slack.Messages()
	if len(msgs) != 4 || !strings.Contains(msgs[3].BlockText(), "headline changed") || !strings.HasPrefix(msgs[3].Text, "[nahost] update: "+newHead) {
		t.Errorf("want the follow-up as a fourth message: %+v", msgs[3:])
	}

	e.Slack.Refuse["webhook"] = "no_service"
	e.Site.Set("/rss/politik.xml", strings.Replace(feed, "<item>", `<item><title>Neue Gespräche über Syrien</title><link>{{BASE}}/neu.html</link><description>Syrien</description></item><item>`, 1))
	code, stdout, stderr := e.Newsbot("once", "--config", e.Config, "--watcher", "nahost")
	if code != app.ExitUndelivered || !strings.Contains(stderr, "no_service") || !strings.Contains(stderr, "(slack.webhook_url)") || !strings.Contains(stdout+stderr, "1 pending") {
		t.Errorf("a removed webhook should stop sending and keep the alert pending (exit %d):\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "s3cr3tw3bh00k") {
		t.Errorf("the log gives the webhook's secret away:\n%s", stderr)
	}
	delete(e.Slack.Refuse, "webhook")
	e.Once("--watcher", "nahost")
	if msgs := e.Slack.Messages(); len(msgs) != 5 || !strings.Contains(msgs[4].Text, "Neue Gespräche über Syrien") {
		t.Errorf("the pending alert should go out once the webhook works: %d messages", len(msgs))
	}
}

// Slack takes a message and its answer never comes (a hang, then
// newsbot's timeout): the retry finds the message in the channel and
// records it instead of posting it twice.
func TestSlackHangsAfterPosting(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  pace: 10ms\n", "  pace: 10ms\n  timeout: 1s\n")
	e.Slack.HangNext = 1
	start := time.Now()
	out := e.Once("--watcher", "nahost")
	took := time.Since(start)
	count := map[string]int{}
	for _, m := range e.Slack.Messages() {
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
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Slack.RateLimit["#nahost"] = 2
	start := time.Now()
	out := e.Once()
	calls := e.Slack.Calls()
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
	for _, m := range e.Slack.Messages() {
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
	e.Store().QueryRow(`SELECT count(*) FROM alerts WHERE status != 'sent'`).Scan(&unsent)
	if len(count) != 4 || unsent != 0 || strings.Contains(out, "pending") {
		t.Errorf("%d alerts posted, %d not sent in the store; want all 4 sent\n%s", len(count), unsent, out)
	}
	// Slack's way of saying later is no error.
	if !strings.Contains(out, " 0 errors") {
		t.Errorf("a rate limit counted as an error:\n%s", out)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("once took %v", took)
	}
}

// Slack took a post but shows it in the channel only after newsbot gave
// up waiting for the answer (slack.timeout): newsbot does not look at
// once and post again, but says so, waits longer than the timeout, looks,
// and finds it. Each alert is posted once.
func TestSlackKeepsPostAfterTimeout(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  pace: 10ms\n", "  pace: 10ms\n  timeout: 1s\n")
	e.Slack.StoreLateNext, e.Slack.StoreLate = 1, 2500*time.Millisecond
	out := e.Once("--watcher", "nahost")
	count := map[string]int{}
	for _, m := range e.Slack.Messages() {
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
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "did not answer within slack.timeout") ||
		!strings.Contains(out, "alert was posted before, though no answer said so") || !strings.Contains(out, "3 alerts sent") {
		t.Errorf("the log should warn of the timeout, then find the alert in the channel, and count it sent:\n%s", out)
	}
}

// A token that may not list channels cannot look for an alert whose send
// timed out: newsbot posts it, says why it could not look and which scope
// the token lacks, and finishes.
func TestOnceWithoutChannelLookup(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  pace: 10ms\n", "  pace: 10ms\n  timeout: 1s\n")
	e.Slack.HangNext = 1
	e.Slack.ListError = "missing_scope"
	start := time.Now()
	out := e.Once("--watcher", "nahost", "--timeout", "30s")
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("once took %v", took)
	}
	if !strings.Contains(out, "channels:read") || !strings.Contains(out, "3 alerts sent") {
		t.Errorf("the log should name the missing scope, and every alert go out:\n%s", out)
	}
}

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testenv"
)

// daemon is newsbot run as a child process.
type daemon struct {
	t    *testing.T
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	addr string
	done chan struct{}
}

func (d *daemon) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.Write(p)
}

func (d *daemon) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// startRun starts newsbot run on the env's config, which must have
// http.listen, and waits for it to say where it listens.
func startRun(e *testenv.Env) *daemon {
	e.T.Helper()
	d := &daemon{t: e.T, done: make(chan struct{})}
	d.cmd = exec.Command(testenv.Binary, "run", "--config", e.Config)
	d.cmd.Stdout, d.cmd.Stderr = d, d
	if err := d.cmd.Start(); err != nil {
		e.T.Fatal(err)
	}
	go func() { d.cmd.Wait(); close(d.done) }()
	e.T.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
		}
	})
	listen := regexp.MustCompile(`serving /metrics[^"]*" listen=(\S+)`)
	d.waitFor(func(out string) bool {
		if m := listen.FindStringSubmatch(out); m != nil {
			d.addr = m[1]
			return true
		}
		return false
	}, "newsbot run to listen")
	return d
}

// stop ends newsbot run as systemd does (SIGTERM) and waits for it.
func (d *daemon) stop() {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(15 * time.Second):
		d.t.Fatalf("newsbot run did not stop on SIGTERM\n%s", d.output())
	}
}

// waitFor waits up to 30 s for ok to hold of the output.
func (d *daemon) waitFor(ok func(out string) bool, what string) {
	d.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok(d.output()) {
		if time.Now().After(deadline) {
			d.t.Fatalf("waited 30 s for %s\n%s", what, d.output())
		}
		select {
		case <-d.done:
			d.t.Fatalf("newsbot run ended while waiting for %s\n%s", what, d.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (d *daemon) get(path string) (int, string) {
	d.t.Helper()
	resp, err := http.Get("http://" + d.addr + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric is the value of the sample whose name and labels begin with
// prefix, or -1.
func metric(text, prefix string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// newsbot run serves its metrics and its health on http.listen, and
// reads its config again when the file changes or on SIGHUP: a valid one
// replaces the running one, an invalid one is refused with validate's
// messages while the running one goes on.
func TestRunServesMetricsAndReloads(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  host_interval: 0s", "  host_interval: 0s\n  listen: 127.0.0.1:0")
	d := startRun(e)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := d.get("/readyz"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never said ready\n%s", d.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for len(e.Slack.Messages()) < 4 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	code, body := d.get("/healthz")
	var h struct{ Store, Scheduler, Slack string }
	if json.Unmarshal([]byte(body), &h); code != http.StatusOK || h.Store != "ok" || h.Scheduler != "running" || h.Slack != "ok" {
		t.Errorf("/healthz = %d %s", code, body)
	}
	_, m := d.get("/metrics")
	sent, nahost := float64(len(e.Slack.Messages())), 0.0
	for _, msg := range e.Slack.Messages() {
		if msg.Channel == "#nahost" {
			nahost++
		}
	}
	for prefix, want := range map[string]float64{
		`newsbot_source_fetches_total{result="ok",source="rundschau"}`: 1,
		`newsbot_slack_sends_total{result="ok"}`:                       sent,
		`newsbot_outbox_alerts{status="sent"}`:                         sent,
		`newsbot_matches_total{watcher="nahost"}`:                      nahost,
	} {
		if got := metric(m, prefix); got != want {
			t.Errorf("%s = %v, want %v", prefix, got, want)
		}
	}
	for _, prefix := range []string{`newsbot_source_last_success_timestamp_seconds{source="world"}`, `newsbot_tick_duration_seconds_count`,
		`newsbot_source_fetch_bytes_total{source="rundschau"}`, `newsbot_alert_latency_seconds_count{way="feed"}`, `go_goroutines`, `process_resident_memory_bytes`} {
		if metric(m, prefix) <= 0 {
			t.Errorf("no %s in /metrics", prefix)
		}
	}

	// An invalid config: refused, with the lines validate prints.
	good, _ := os.ReadFile(e.Config)
	bad := strings.Replace(string(good), `schedule: "@hourly"`, `schedule: "every hour"`, 1)
	os.WriteFile(e.Config, []byte(bad), 0o644)
	_, _, want := e.Newsbot("validate", "--config", e.Config)
	want = strings.TrimSpace(want)
	if want == "" {
		t.Fatal("validate found nothing wrong with the broken config")
	}
	d.waitFor(func(out string) bool { return strings.Contains(out, want) }, "the refused config's problems")
	if !strings.Contains(d.output(), "is not valid; still running the config loaded before") {
		t.Errorf("no word that the running config goes on:\n%s", d.output())
	}
	if code, body := d.get("/healthz"); code != http.StatusOK {
		t.Errorf("after a refused config, /healthz = %d %s", code, body)
	}

	// A valid one with a new watcher replaces it.
	os.WriteFile(e.Config, []byte(string(good)+`  - name: klima
    schedule: "@hourly"
    sources: [rundschau]
    keywords: [Dürre]
    channel: "#neu"
`), 0o644)
	d.waitFor(func(out string) bool { return strings.Contains(out, "config reloaded") }, "the reload")
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, m := range e.Slack.Messages() {
			if m.Channel == "#neu" {
				n++
			}
		}
		if n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var neu int
	for _, m := range e.Slack.Messages() {
		if m.Channel == "#neu" {
			neu++
		}
	}
	if neu != 1 {
		t.Errorf("the new watcher posted %d alerts to #neu, want 1\n%s", neu, d.output())
	}
	// A reload says so, not that newsbot is shutting down.
	if out := d.output(); strings.Contains(out, "shutting down") || !strings.Contains(out, "reloading: the old config finishes the work in flight") {
		t.Errorf("the reload's log does not say it reloads:\n%s", out)
	}

	// SIGHUP reads it again, unchanged.
	before := strings.Count(d.output(), "config reloaded")
	ticks := strings.Count(d.output(), "tick done:")
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitFor(func(out string) bool {
		return strings.Contains(out, "reloading the config (SIGHUP)") && strings.Count(out, "config reloaded") > before
	}, "the reload on SIGHUP")
	// The new config's start-up check checks every source: the old app
	// gave up its leases when it closed.
	d.waitFor(func(out string) bool { return strings.Count(out, "tick done:") > ticks }, "the start-up check after the reload")
	last := d.output()[strings.LastIndex(d.output(), "tick done:"):]
	if strings.Contains(last[:strings.Index(last, "\n")], "by another replica") {
		t.Errorf("after a reload, the start-up check left sources to the old app: %s", last[:strings.Index(last, "\n")])
	}
	total := len(e.Slack.Messages())
	time.Sleep(500 * time.Millisecond)
	if n := len(e.Slack.Messages()); n != total {
		t.Errorf("a reload posted %d alerts again", n-total)
	}
}

// newsbot run started again after kill -9 checks every source at once:
// the killed process's leases are its own, on the same host, and it is
// gone; no tick speaks of another replica when there is none.
func TestRunAfterKillChecksEverySource(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  host_interval: 0s", "  host_interval: 0s\n  listen: 127.0.0.1:0")
	d := startRun(e)
	d.waitFor(func(out string) bool { return strings.Contains(out, "tick done:") }, "the start-up check")
	d.cmd.Process.Kill()
	<-d.done

	d = startRun(e)
	d.waitFor(func(out string) bool { return strings.Contains(out, "tick done:") }, "the start-up check after the kill")
	line := d.output()[strings.Index(d.output(), "tick done:"):]
	line = line[:strings.Index(line, "\n")]
	if strings.Contains(line, "by another replica") || strings.Contains(line, " 0 sources checked") {
		t.Errorf("after kill -9, the start-up check waited for the dead process's leases: %s", line)
	}
}

// /newsbot reaches newsbot run at POST /slack/commands on http.listen,
// signed with slack.signing_secret; a mute is stored, so newsbot run
// started again still has it, and shows it in status.
func TestSlashCommandsReachRun(t *testing.T) {
	const secret = "e2e-signing-secret"
	e := testenv.New(t, "skip", "xoxb-test-token")
	e.Edit("  host_interval: 0s", "  host_interval: 0s\n  listen: 127.0.0.1:0")
	e.Edit("  pace: 10ms", "  pace: 10ms\n  signing_secret: "+secret)
	ask := func(d *daemon, text string) (int, string, string) {
		t.Helper()
		req, err := fakeslack.SignedCommand("http://"+d.addr+"/slack/commands", secret, time.Now(), url.Values{
			"command": {"/newsbot"}, "text": {text}, "user_id": {"U42"}, "response_url": {e.Slack.ResponseURL(text)}})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct {
			ResponseType string `json:"response_type"`
			Text         string `json:"text"`
		}
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m.ResponseType, m.Text
	}
	d := startRun(e)
	if !strings.Contains(d.output(), "/newsbot at POST /slack/commands") {
		t.Errorf("newsbot run does not say it serves /newsbot:\n%s", d.output())
	}
	code, kind, text := ask(d, "mute nahost 3h")
	if code != http.StatusOK || kind != "in_channel" || !strings.Contains(text, "<@U42> muted *nahost* until") {
		t.Fatalf("mute: %d %s %q\n%s", code, kind, text, d.output())
	}
	d.stop()

	d = startRun(e)
	code, kind, text = ask(d, "status")
	if code != http.StatusOK || kind != "ephemeral" || !strings.Contains(text, "*nahost* `*/5 * * * *` → #nahost") ||
		!strings.Contains(text, ":no_bell: muted until") || !strings.Contains(text, "by <@U42>") {
		t.Errorf("status after a restart: %d %s\n%s", code, kind, text)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+d.addr+"/slack/commands", strings.NewReader("text=unmute+nahost"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unsigned request: %v %v, want 401", resp, err)
	}
}

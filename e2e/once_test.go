package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/testenv"
)

// hanging is a server that takes every request and never answers it (a
// Slack or a site that is unreachable behind a firewall that swallows
// packets); arrived is told of each request.
func hanging(t *testing.T) (srv *httptest.Server, arrived <-chan string) {
	ch, done := make(chan string, 100), make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // else a client gone is not seen
		select {
		case ch <- r.URL.Path:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) }) // first: Close waits for the handlers
	return srv, ch
}

// once runs newsbot once as a process of its own, and returns its exit
// status, its output and how long it ran.
func once(t *testing.T, e *testenv.Env, args ...string) (int, string, time.Duration) {
	t.Helper()
	start := time.Now()
	code, stdout, stderr := e.Newsbot(append([]string{"once", "--config", e.Config}, args...)...)
	return code, stdout + stderr, time.Since(start)
}

// once --timeout bounds the whole run, for cron: with Slack unreachable
// (its calls never answered, slack.timeout 20 s) it ends when the
// timeout has passed, says the alert is pending, and exits
// ExitUndelivered; the next run with Slack back posts it once.
func TestOnceTimeoutWithSlackUnreachable(t *testing.T) {
	site := testenv.NewsSite(t, 1)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, site.URL+"/feed.xml"))
	slack, _ := hanging(t)
	good := e.Slack.APIURL()
	e.Edit(good, slack.URL+"/api/")
	code, out, took := once(t, e, "--timeout", "2s")
	if code != app.ExitUndelivered || !strings.Contains(out, "1 pending") || !strings.Contains(out, "stopped after 2s (--timeout)") {
		t.Errorf("exit %d; want %d, the alert pending and the timeout said\n%s", code, app.ExitUndelivered, out)
	}
	// Generous: slack.timeout alone is 20 s.
	if took > 15*time.Second {
		t.Errorf("once --timeout 2s ran %v", took.Round(time.Second))
	}
	e.Edit(slack.URL+"/api/", good)
	e.Once()
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("with Slack back, %d alerts posted, want the pending one", n)
	}
}

// A source that never answers (http.timeout 30 s) does not hold once past
// --timeout either: the sources not reached are said, nothing of theirs
// is lost (the next run alerts it), and no alert undelivered means exit 0.
func TestOnceTimeoutWithSourceHanging(t *testing.T) {
	site := testenv.NewsSite(t, 1)
	slow, arrived := hanging(t)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, slow.URL+"/feed.xml"))
	e.Edit("http: {host_interval: 0s}", "http: {host_interval: 0s, robots: false, allow_private_networks: true}")
	code, out, took := once(t, e, "--timeout", "2s")
	if len(arrived) == 0 {
		t.Fatalf("the source was never asked\n%s", out)
	}
	if code != 0 || !strings.Contains(out, "1 not reached: cut short") || strings.Contains(out, "source failed") {
		t.Errorf("exit %d; want 0, the source not reached and not failed\n%s", code, out)
	}
	if took > 15*time.Second {
		t.Errorf("once --timeout 2s ran %v", took.Round(time.Second))
	}
	e.Edit(slow.URL, site.URL)
	e.Once()
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("the next run posted %d alerts, want the source's one", n)
	}
}

// Ctrl-C while once checks: the summary counts the alerts that earlier
// runs left pending (the delivery never ran to say), and once exits
// ExitUndelivered.
func TestOnceInterruptedCountsPending(t *testing.T) {
	site := testenv.NewsSite(t, 3)
	slow, arrived := hanging(t)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
  - {name: langsam, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, site.URL+"/feed.xml", slow.URL+"/feed.xml"))
	e.Edit("http: {host_interval: 0s}", "http: {host_interval: 0s, robots: false, allow_private_networks: true}")
	e.Slack.SetRefuse("#c", "internal_error")
	e.Undelivered("--timeout", "1s")
	e.Slack.SetRefuse("#c", "")
	// The slow source joins the watcher: the next run hangs on it.
	e.Edit("sources: [kurier]", "sources: [langsam]")

	cmd := exec.Command(testenv.Binary, "once", "--config", e.Config)
	var out strings.Builder
	var mu sync.Mutex
	cmd.Stdout, cmd.Stderr = syncWriter{&mu, &out}, syncWriter{&mu, &out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("newsbot once never asked the slow source")
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	code := cmd.ProcessState.ExitCode()
	if code != app.ExitUndelivered || !strings.Contains(out.String(), "3 pending") {
		t.Errorf("after Ctrl-C: exit %d (%v); want %d and the 3 alerts of the run before counted pending\n%s", code, err, app.ExitUndelivered, out.String())
	}
}

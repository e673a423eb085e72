package app

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// /readyz says ready once the start-up check is done; /healthz says
// unhealthy, and why, when Slack refuses newsbot itself; a config made
// invalid is refused on SIGHUP, with validate's lines, and the running
// app goes on.
func TestDaemonHealthAndReload(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	slack := fakeslack.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	good := testConfig(dir, slack, site, "@hourly", "", "")
	os.WriteFile(path, []byte(good), 0o644)
	hup := make(chan os.Signal, 1)
	var stderr lockedBuffer
	d := &Daemon{Path: path, Options: Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, Stderr: &stderr, Reload: hup, Poll: time.Hour}
	runDaemon(t, d)
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	get := func(path string) (int, Health) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h Health
		json.NewDecoder(resp.Body).Decode(&h)
		return resp.StatusCode, h
	}
	waitFor(t, "/readyz", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
	if code, h := get("/healthz"); code != http.StatusOK || h.Slack != "ok" || !h.Checked {
		t.Errorf("/healthz = %d %+v", code, h)
	}
	a := d.app.Load()
	slack.SetRefuse("#news", "invalid_auth")
	al := &news.Alert{Watcher: "nahost", Channel: "#news", URL: "https://rr.example/x.html", Title: "Syrien", Found: time.Now()}
	if err := a.store.RecordAlert(context.Background(), al, []string{al.URL}); err != nil {
		t.Fatal(err)
	}
	a.Deliver(context.Background(), &pipeline.Stats{})
	if code, h := get("/healthz"); code != http.StatusServiceUnavailable || h.Slack != "stopped" || h.Reason != "invalid_auth" {
		t.Errorf("with Slack refusing newsbot: /healthz = %d %+v", code, h)
	}

	os.WriteFile(path, []byte(strings.Replace(good, "@hourly", "every hour", 1)), 0o644)
	hup <- os.Interrupt
	waitFor(t, "the refusal", func() bool { return strings.Contains(stderr.String(), "watchers[nahost].schedule") })
	if !strings.Contains(stderr.String(), path+":9:") || d.app.Load() != a {
		t.Errorf("the refusal should name the line, and the app go on:\n%s", stderr.String())
	}
	// A query nested 400,000 parentheses deep is refused as any mistake
	// is: the running daemon does not die of it.
	deep := strings.Replace(good, "keywords: [Syrien]", "query: \""+strings.Repeat("(", 400_000)+"Syrien"+strings.Repeat(")", 400_000)+"\"", 1)
	os.WriteFile(path, []byte(deep), 0o644)
	hup <- os.Interrupt
	waitFor(t, "the refusal of the deep query", func() bool { return strings.Contains(stderr.String(), "watchers[nahost].query") })
	if d.app.Load() != a {
		t.Error("a config with a deep query replaced the running one")
	}
	os.WriteFile(path, []byte(good), 0o644)
	hup <- os.Interrupt
	waitFor(t, "the reload", func() bool { return d.app.Load() != a })
	waitFor(t, "/readyz after the reload", func() bool { code, _ := get("/readyz"); return code == http.StatusOK })
}

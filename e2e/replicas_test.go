package e2e

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/testenv"
)

// freshPostgres makes a PostgreSQL database for the test beside the one
// NEWSBOT_TEST_POSTGRES names, drops it after, and returns its URL; it
// skips the test when that is not set.
func freshPostgres(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("NEWSBOT_TEST_POSTGRES")
	if admin == "" {
		t.Skip("NEWSBOT_TEST_POSTGRES is not set")
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("newsbot_e2e_%d", os.Getpid())
	db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	if _, err := db.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// growingSite serves feeds that gain an article every step, up to n
// each, and counts the requests for each feed.
type growingSite struct {
	*httptest.Server
	start time.Time
	step  time.Duration
	n     int
	feeds int
	hits  sync.Map // feed → *atomic.Int64
}

func newGrowingSite(t *testing.T, feeds, n int, step time.Duration) *growingSite {
	s := &growingSite{start: time.Now(), step: step, n: n, feeds: feeds}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var f, i int
		if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &f); err == nil {
			c, _ := s.hits.LoadOrStore(f, new(atomic.Int64))
			c.(*atomic.Int64).Add(1)
			listed := min(n, 1+int(time.Since(s.start)/step))
			var b strings.Builder
			fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %d</title>`, f)
			for i := listed - 1; i >= 0; i-- {
				fmt.Fprintf(&b, `<item><title>Meldung %d-%d aus Syrien</title><link>/artikel/%d/%d.html</link></item>`, f, i, f, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write([]byte(b.String()))
			return
		}
		if _, err := fmt.Sscanf(r.URL.Path, "/artikel/%d/%d.html", &f, &i); err == nil {
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="de"><head><title>Meldung %[1]d-%[2]d aus Syrien</title></head><body>
<article><h1>Meldung %[1]d-%[2]d aus Syrien</h1><p>Die Lage in Syrien bleibt angespannt, berichtet die Meldung %[1]d-%[2]d.</p>
<p>%[3]s</p><p>%[4]s</p></article></body></html>`, f, i, testenv.Prose(f*1000+i, 0), testenv.Prose(f*1000+i, 1))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Three replicas of newsbot run on one PostgreSQL database against a news
// site whose feeds grow; one is killed (SIGKILL) while it works. Every
// article is posted exactly once, and each source check is made by one
// replica, not three.
func TestReplicasShareTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three replicas for a while")
	}
	dsn := freshPostgres(t)
	const feeds, perFeed = 3, 12
	site := newGrowingSite(t, feeds, perFeed, 250*time.Millisecond)
	var sources, names []string
	for f := range feeds {
		sources = append(sources, fmt.Sprintf("  - {name: feed%d, url: %q}", f, fmt.Sprintf("%s/feed/%d.xml", site.URL, f)))
		names = append(names, fmt.Sprintf("feed%d", f))
	}
	t.Setenv(config.MinIntervalEnv, "1s") // for the replicas too
	e := testenv.Bare(t, fmt.Sprintf("storage: %q\nsources:\n%s\nwatchers:\n  - {name: syrien, schedule: \"@every 1s\", sources: [%s], keywords: [Syrien]}\n",
		dsn, strings.Join(sources, "\n"), strings.Join(names, ", ")))
	e.Slack.SetDelay(20 * time.Millisecond)
	// bareEnv wrote its own storage line first; the test's comes second.
	b, _ := os.ReadFile(e.Config)
	lines := strings.SplitN(string(b), "\n", 2)
	os.WriteFile(e.Config, []byte(lines[1]), 0o644)

	type replica struct {
		cmd  *exec.Cmd
		out  *strings.Builder
		done chan struct{}
	}
	start := func() *replica {
		cmd := exec.Command(testenv.Binary, "run", "--config", e.Config)
		r := &replica{cmd: cmd, out: &strings.Builder{}, done: make(chan struct{})}
		var mu sync.Mutex
		cmd.Stdout, cmd.Stderr = syncWriter{&mu, r.out}, syncWriter{&mu, r.out}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { cmd.Wait(); close(r.done) }()
		return r
	}
	replicas := []*replica{start(), start(), start()}
	// Kill one while the feeds grow and alerts go out.
	time.Sleep(1500 * time.Millisecond)
	replicas[0].cmd.Process.Kill()
	<-replicas[0].done

	want := feeds * perFeed
	deadline := time.Now().Add(60 * time.Second)
	for len(e.Slack.Messages()) < want && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a late duplicate would show now
	for _, r := range replicas[1:] {
		r.cmd.Process.Signal(syscall.SIGTERM)
		<-r.done
	}
	elapsed := time.Since(site.start)

	posted := map[string]int{}
	for _, m := range e.Slack.Messages() {
		posted[m.Text]++
	}
	lost, dups := 0, 0
	for f := range feeds {
		for i := range perFeed {
			n := 0
			for text, c := range posted {
				if strings.Contains(text, fmt.Sprintf("Meldung %d-%d aus Syrien", f, i)) {
					n += c
				}
			}
			switch {
			case n == 0:
				lost++
			case n > 1:
				dups += n - 1
			}
		}
	}
	checks := int64(0)
	site.hits.Range(func(_, v any) bool { checks += v.(*atomic.Int64).Load(); return true })
	t.Logf("3 replicas, one killed at 1.5 s: %d articles, %d posted, %d lost, %d duplicated; %d feed requests in %v (%.1f a second for %d feeds ticking every second)",
		want, len(e.Slack.Messages()), lost, dups, checks, elapsed.Round(time.Second), float64(checks)/elapsed.Seconds(), feeds)
	if lost > 0 || dups > 0 {
		for i, r := range replicas {
			t.Logf("replica %d:\n%s", i, r.out.String())
		}
		t.Errorf("%d articles lost, %d duplicated", lost, dups)
	}
	// Three replicas without leases would check every feed three times a
	// tick; with them, about once (start-ups and a killed replica's lease
	// add a few).
	if per := float64(checks) / elapsed.Seconds() / feeds; per > 2 {
		t.Errorf("each feed was fetched %.1f times a second by replicas ticking every second: the checks are not shared", per)
	}
}

type syncWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

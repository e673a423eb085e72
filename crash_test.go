package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// childEnv, when set, makes the test binary run newsbot with the
// arguments it holds (separated by U+001F) instead of the tests, so that a test
// can run newsbot as a child process and kill it.
const childEnv = "NEWSBOT_TEST_CHILD"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// newsSite serves a feed of n articles that all mention Syrien, each on
// its own page.
func newsSite(t *testing.T, n int) *httptest.Server {
	mux := http.NewServeMux()
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Crash-Kurier</title><language>de</language>`)
	for i := range n {
		fmt.Fprintf(&feed, `<item><title>Meldung %d aus Syrien</title><link>{{BASE}}/artikel/%d.html</link><guid>crash-%d</guid></item>`, i, i, i)
		body := fmt.Sprintf(`<!DOCTYPE html><html lang="de"><head><title>Meldung %[1]d aus Syrien</title></head><body>
<nav><a href="/">Start</a> <a href="/politik/">Politik</a></nav>
<article><h1>Meldung %[1]d aus Syrien</h1>
<p>Die Lage in Syrien bleibt angespannt, berichtet unser Korrespondent in der Meldung Nummer %[1]d.</p>
<p>%[2]s</p><p>%[3]s</p>
</article><footer>Impressum</footer></body></html>`, i, prose(i, 0), prose(i, 1))
		mux.HandleFunc(fmt.Sprintf("/artikel/%d.html", i), func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(body))
		})
	}
	feed.WriteString(`</channel></rss>`)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	xml := strings.ReplaceAll(feed.String(), "{{BASE}}", srv.URL)
	mux.HandleFunc("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(xml))
	})
	return srv
}

// prose is a few sentences of words drawn for article i, so that no two
// articles of a test site tell the same story or report the same event
// (package story would fold them into one): common words, and names made
// up for the article.
func prose(i, para int) string {
	words := strings.Fields("Regierung Gespräche Hilfe Grenze Lager Menschen Wochen Nachricht Bericht Bewohner " +
		"Stadt Dorf Straße Brücke Winter Sommer Wasser Strom Ärzte Schulen Kinder Familien Händler Preise")
	syllables := strings.Fields("ka lo mi ra te su no be da fi go hu ja ke lu ma ni po re si to vu wa ze")
	r := rand.New(rand.NewPCG(uint64(i), uint64(para)))
	name := func() string {
		var b strings.Builder
		for range 3 + r.IntN(2) {
			b.WriteString(syllables[r.IntN(len(syllables))])
		}
		return strings.ToUpper(b.String()[:1]) + b.String()[1:]
	}
	var b strings.Builder
	for range 3 {
		b.WriteString("Die")
		for range 10 + r.IntN(6) {
			if r.IntN(5) == 0 {
				b.WriteString(" " + words[r.IntN(len(words))])
			} else {
				b.WriteString(" " + name())
			}
		}
		b.WriteString(" bleiben wichtig. ")
	}
	return strings.TrimSpace(b.String())
}

// Delivery survives kill -9 at any moment: a child process running
// newsbot once is killed at random points while it finds and posts
// alerts, and started again until it finishes; every alert must have
// been posted exactly once. Slack answers each post after a delay, so
// many kills land between Slack's answer and the store's commit.
func TestCrashDeliversExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a while")
	}
	// NEWSBOT_CRASH_ROUNDS runs it longer than CI does.
	rounds, alerts := 6, 15
	if n, err := strconv.Atoi(os.Getenv("NEWSBOT_CRASH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	var runs, kills, recovered, lost, dups, total int
	for round := range rounds {
		site := newsSite(t, alerts)
		e := bareEnv(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, site.URL+"/feed.xml"))
		slack, cfg := e.slack, e.config
		slack.SetDelay(30 * time.Millisecond)
		done := false
		for attempt := 0; !done; attempt++ {
			if attempt > 50 {
				t.Fatalf("round %d: newsbot never finished", round)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"=once\x1f--config\x1f"+cfg+"\x1f--timeout\x1f30s")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			runs++
			exited := make(chan error, 1)
			exited2 := make(chan struct{}) // closed when the child is gone
			go func() { exited <- cmd.Wait(); close(exited2) }()
			// Kill the first runs; let the last finish. Half the kills
			// come at a random time, half just after Slack has taken a
			// message (within its 30 ms answer): the window between
			// Slack's answer and the store's commit.
			var kill <-chan time.Time
			if attempt < 6 {
				if rand.N(2) == 0 {
					kill = time.After(time.Duration(rand.N(700)) * time.Millisecond)
				} else {
					k := len(slack.Messages()) + 1 + rand.N(3)
					ch := make(chan time.Time, 1)
					go func() {
						for len(slack.Messages()) < k {
							select {
							case <-exited2:
								return
							case <-time.After(time.Millisecond):
							}
						}
						time.Sleep(time.Duration(rand.N(40)) * time.Millisecond)
						ch <- time.Now()
					}()
					kill = ch
				}
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Fatalf("round %d: newsbot once failed: %v\n%s", round, err, out.String())
				}
				done = strings.Contains(out.String(), "0 errors") && !strings.Contains(out.String(), "pending")
			case <-kill:
				cmd.Process.Kill()
				<-exited
				kills++
			}
			recovered += strings.Count(out.String(), "alert was posted before, though no answer said so")
		}
		posted := map[string]int{}
		for _, m := range slack.Messages() {
			posted[m.Text]++
		}
		for i := range alerts {
			n := 0
			for text, c := range posted {
				if strings.Contains(text, fmt.Sprintf("Meldung %d aus Syrien", i)) {
					n += c
				}
			}
			total++
			switch {
			case n == 0:
				lost++
				t.Errorf("round %d: alert %d was never posted", round, i)
			case n > 1:
				dups += n - 1
				t.Errorf("round %d: alert %d was posted %d times", round, i, n)
			}
		}
	}
	t.Logf("crash test: %d runs of newsbot once, %d killed with SIGKILL; %d alerts, %d lost, %d duplicated; %d found in the channel's history after a kill between Slack's answer and the store's commit",
		runs, kills, total, lost, dups, recovered)
}

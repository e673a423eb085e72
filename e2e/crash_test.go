package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testenv"
)

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
		site := testenv.NewsSite(t, alerts)
		e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, site.URL+"/feed.xml"))
		slack, cfg := e.Slack, e.Config
		slack.SetDelay(30 * time.Millisecond)
		done := false
		for attempt := 0; !done; attempt++ {
			if attempt > 50 {
				t.Fatalf("round %d: newsbot never finished", round)
			}
			cmd := exec.Command(testenv.Binary, "once", "--config", cfg, "--timeout", "30s")
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

package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/news"
)

// An alert claimed by a process of this host that has died is handed out
// again at once, marked Interrupted, and may be claimed; one claimed by a
// live process, by one on another host or in another process ID
// namespace, waits for ClaimTimeout.
func TestClaimOfDeadProcess(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, path := mustOpen(t)
		if f := strings.Fields(s.owner); len(f) != 6 || slices.Contains(f, "-") {
			t.Skipf("processes can't be told apart here (owner %q): claims wait for the timeout", s.owner)
		}
		for i := 0; i < 4; i++ {
			if err := s.RecordAlert(ctx, alert("nahost", fmt.Sprintf("https://rr.example/%d", i)), nil); err != nil {
				t.Fatal(err)
			}
		}
		// A process that has exited: its ID is free (or taken by another
		// process, which then looks alive: the safe side).
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Skip("no process to outlive:", err)
		}
		me := strings.Fields(s.owner)
		owner := func(host, ns string, pid int, start, nonce string) string {
			return strings.Join([]string{host, me[1], ns, strconv.Itoa(pid), start, nonce}, " ")
		}
		ppid := os.Getppid()
		owners := []string{
			owner(me[0], me[2], cmd.Process.Pid, "4711", "deadbeef0001"),       // dead
			owner(me[0], me[2], ppid, startTime(ppid), "deadbeef0002"),         // alive
			owner("elsewhere", me[2], cmd.Process.Pid, "4711", "deadbeef0003"), // another host
			owner(me[0], "pid:[1]", cmd.Process.Pid, "4711", "deadbeef0004"),   // another namespace
		}
		for i, o := range owners {
			if _, err := s.db.Exec(`UPDATE alerts SET status = 'sending', claimed_at = ?, claimed_by = ? WHERE id = ?`, time.Now().Unix(), o, i+1); err != nil {
				t.Fatal(err)
			}
		}
		// Another process opening the store later (a restart).
		s2, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if running(cmd.Process.Pid) {
			t.Skip("the exited process's ID was taken again")
		}
		got, err := s2.Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != 1 || !got[0].Interrupted {
			t.Fatalf("pending = %+v, want only alert 1, interrupted", got)
		}
		if ok, err := s2.Claim(ctx, &news.Alert{ID: 1}); !ok || err != nil {
			t.Errorf("claiming the dead process's alert: %v, %v", ok, err)
		}
		for _, id := range []int64{2, 3, 4} {
			if ok, err := s2.Claim(ctx, &news.Alert{ID: id}); ok || err != nil {
				t.Errorf("claimed alert %d, held by a live, remote or unknowable process: %v", id, err)
			}
		}
		for _, tt := range []struct {
			what  string
			owner string
			dead  bool
		}{
			{"a process ID now taken by another process", owner(me[0], me[2], ppid, "4711", "deadbeef0005"), true},
			{"an earlier process with this process's ID", owner(me[0], me[2], os.Getpid(), "4711", "deadbeef0006"), true},
			{"another open store of this process", s.owner, false},
			{"an owner from a system that can't tell", "- - - 42 - deadbeef0007", false},
		} {
			if got := s2.dead(tt.owner); got != tt.dead {
				t.Errorf("dead(%s) = %v, want %v", tt.what, got, tt.dead)
			}
		}
		// Past the timeout, every claim is taken over.
		s2.now = func() time.Time { return time.Now().Add(ClaimTimeout + time.Minute) }
		if got, _ := s2.Pending(ctx); len(got) != 4 {
			t.Errorf("after the claim timeout %d alerts pending, want all 4", len(got))
		}
	})
}

// A follow-up recorded after Pending read an unsent alert replaces it;
// Claim hands out the new version, so the old headline is never sent.
func TestClaimGivesTheLatestVersion(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := alert("nahost", "https://rr.example/syrien.html")
		a.Mentions = []string{"<!here>"}
		if err := s.RecordAlert(ctx, a, []string{a.URL}); err != nil {
			t.Fatal(err)
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending: %v, %v", pending, err)
		}
		prior, err := s.Alerted(ctx, "nahost", []string{a.URL})
		if err != nil || prior[a.URL].AlertID != a.ID || prior[a.URL].Title != a.Title {
			t.Fatalf("Alerted = %+v, %v", prior, err)
		}
		newer := alert("nahost", a.URL)
		newer.Title = "Waffenruhe in Idlib hält"
		newer.Mentions = []string{"<!here>"}
		newer.Update = &news.Update{OldTitle: a.Title}
		if err := s.RecordFollowUp(ctx, prior[a.URL], newer, []string{a.URL}, "sig2"); err != nil {
			t.Fatal(err)
		}
		got := pending[0]
		if ok, err := s.Claim(ctx, got); !ok || err != nil {
			t.Fatalf("claim: %v, %v", ok, err)
		}
		if got.Title != "Waffenruhe in Idlib hält" || got.Update != nil || got.ThreadOf != 0 || len(got.Mentions) != 1 {
			t.Errorf("claimed %+v; want the new headline, as a first alert with its mention", got)
		}
		if counts, _ := s.Counts(ctx); counts[StatusSending] != 1 || len(counts) != 1 {
			t.Errorf("counts %v: the follow-up should have replaced the unsent alert", counts)
		}
	})
}

// A failure that may have posted the alert (news.Unsure) is remembered
// until the alert is recorded sent: every later attempt looks first.
func TestUnsureFailure(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		a := alert("nahost", "https://rr.example/syrien.html")
		if err := s.RecordAlert(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		interrupted := func() bool {
			p, err := s.Pending(ctx)
			if err != nil || len(p) != 1 {
				t.Fatalf("pending: %v, %v", p, err)
			}
			return p[0].Interrupted
		}
		if interrupted() {
			t.Error("a new alert is marked interrupted")
		}
		s.MarkFailed(ctx, a.ID, "timeout", news.Unsure)
		if !interrupted() {
			t.Error("after a timeout the alert is not marked as maybe posted")
		}
		s.MarkFailed(ctx, a.ID, "channel resting", news.Retry)
		if !interrupted() {
			t.Error("a later plain failure forgot that the alert may have been posted")
		}
		// A follow-up of an alert that may be posted is a reply, not a
		// replacement of it.
		prior, _ := s.Alerted(ctx, "nahost", []string{a.URL})
		if len(prior) == 0 {
			if err := s.RecordFollowUp(ctx, news.Prior{AlertID: a.ID}, nil, []string{a.URL}, "sig0"); err != nil {
				t.Fatal(err)
			}
		}
		newer := alert("nahost", a.URL)
		newer.Update = &news.Update{OldTitle: a.Title}
		if err := s.RecordFollowUp(ctx, news.Prior{AlertID: a.ID, Title: a.Title}, newer, []string{a.URL}, "sig2"); err != nil {
			t.Fatal(err)
		}
		if newer.ID == a.ID || newer.ThreadOf != a.ID {
			t.Errorf("the follow-up replaced an alert that may have been posted (ID %d, ThreadOf %d)", newer.ID, newer.ThreadOf)
		}
		if err := s.MarkSent(ctx, a.ID, "1700000000.000001", -1); err != nil {
			t.Fatal(err)
		}
		p, _ := s.Pending(ctx)
		if len(p) != 1 || p[0].ID != newer.ID || p[0].ThreadTS != "1700000000.000001" || p[0].ParentPending {
			t.Errorf("pending after the first went out: %+v; want the reply, in its thread", p)
		}
	})
}

// An alert claimed by a replica on another host that has not said it
// lives for HeartbeatStale is taken over at once, as interrupted (so the
// channel is looked at first); one whose replica lives is not.
func TestClaimOfSilentReplica(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, _ := mustOpen(t)
		for i := range 2 {
			if err := s.RecordAlert(ctx, alert("nahost", fmt.Sprintf("https://rr.example/%d", i)), nil); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		for i, o := range []struct {
			owner string
			beat  time.Time
		}{
			{"far-host boot ns 4242 99 silentnonce1", now.Add(-2 * HeartbeatStale)},
			{"far-host boot ns 4343 99 livelynonce2", now},
		} {
			if _, err := s.db.Exec(`UPDATE alerts SET status = 'sending', claimed_at = ?, claimed_by = ? WHERE id = ?`, now.Unix(), o.owner, i+1); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.Exec(`INSERT INTO replicas (owner, beat_at) VALUES (?, ?)`, o.owner, o.beat.Unix()); err != nil {
				t.Fatal(err)
			}
		}
		pending, err := s.Pending(ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != 1 || !pending[0].Interrupted {
			t.Fatalf("Pending = %+v, %v; want alert 1, interrupted", pending, err)
		}
		if ok, err := s.Claim(ctx, pending[0]); !ok || err != nil {
			t.Errorf("claim of a silent replica's alert = %v, %v", ok, err)
		}
		if ok, _ := s.Claim(ctx, &news.Alert{ID: 2}); ok {
			t.Error("claimed an alert a live replica is sending")
		}
	})
}

// One replica at a time holds a lease; the holder may renew it; when it
// has run out, another takes it.
func TestLease(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s1, dsn := mustOpen(t)
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			s    *Store
			want bool
			what string
		}{{s1, true, "the first"}, {s2, false, "another while it holds"}, {s1, true, "the holder again"}} {
			if got, err := tc.s.Lease(ctx, news.SourceLease{Source: "kurier"}, time.Minute); err != nil || got != tc.want {
				t.Errorf("Lease by %s = %v, %v; want %v", tc.what, got, err, tc.want)
			}
		}
		if got, _ := s2.Lease(ctx, news.SourceLease{Source: "bote"}, time.Minute); !got {
			t.Error("a lease on another key was refused")
		}
		s2.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if got, err := s2.Lease(ctx, news.SourceLease{Source: "kurier"}, time.Minute); err != nil || !got {
			t.Errorf("Lease after it ran out = %v, %v", got, err)
		}
		if got, _ := s1.Lease(ctx, news.SourceLease{Source: "kurier"}, time.Minute); got {
			t.Error("the first holder took back a lease another holds")
		}
		// A store that closes gives its leases up (a restart, a reload).
		s2.now = time.Now
		if got, _ := s2.Lease(ctx, news.SourceLease{Source: "rundschau"}, time.Hour); !got {
			t.Fatal("a free lease was refused")
		}
		s2.Close()
		if got, err := s1.Lease(ctx, news.SourceLease{Source: "rundschau"}, time.Hour); err != nil || !got {
			t.Errorf("the lease of a closed store = %v, %v; want it taken", got, err)
		}
		// A replica silent for HeartbeatStale loses its leases.
		if _, err := s1.db.Exec(`INSERT INTO replicas (owner, beat_at) VALUES ('far-host b ns 7 7 gone', ?)`, time.Now().Add(-2*HeartbeatStale).Unix()); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.db.Exec(`INSERT INTO leases (key, owner, until_ms) VALUES (?, 'far-host b ns 7 7 gone', ?)`, news.SourceLease{Source: "silent"}.Key(), time.Now().Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if _, err := s1.db.Exec(`INSERT INTO leases (key, owner, until_ms) VALUES (?, ?, ?)`, news.SourceLease{Source: "lively"}.Key(), "far-host b ns 8 8 lively", time.Now().Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if got, err := s1.Lease(ctx, news.SourceLease{Source: "silent"}, time.Hour); err != nil || !got {
			t.Errorf("the lease of a silent replica = %v, %v; want it taken", got, err)
		}
		if got, err := s1.Lease(ctx, news.SourceLease{Source: "lively"}, time.Hour); err != nil || got {
			t.Errorf("the lease of a replica not known silent = %v, %v; want it kept", got, err)
		}
	})
}

// A process restarted after kill -9 takes its dead predecessor's leases
// at once (same host, and the process is gone), and a store that gives
// its leases up while open (a reload) leaves them free; a live process's
// lease is kept.
func TestLeaseOfDeadProcess(t *testing.T) {
	each(t, func(t *testing.T) {
		ctx := context.Background()
		s, dsn := mustOpen(t)
		me := strings.Fields(s.owner)
		if len(me) != 6 || slices.Contains(me, "-") {
			t.Skipf("processes can't be told apart here (owner %q)", s.owner)
		}
		cmd := exec.Command("true")
		if err := cmd.Run(); err != nil {
			t.Skip("no process to outlive:", err)
		}
		ppid := os.Getppid()
		dead := strings.Join([]string{me[0], me[1], me[2], strconv.Itoa(cmd.Process.Pid), "4711", "deadbeef0001"}, " ")
		alive := strings.Join([]string{me[0], me[1], me[2], strconv.Itoa(ppid), startTime(ppid), "deadbeef0002"}, " ")
		for key, owner := range map[string]string{"killed": dead, "alive": alive} {
			// Its heartbeat is fresh: it died a moment ago.
			if _, err := s.db.Exec(`INSERT INTO replicas (owner, beat_at) VALUES (?, ?)`, owner, time.Now().Unix()); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.Exec(`INSERT INTO leases (key, owner, until_ms) VALUES (?, ?, ?)`, news.SourceLease{Source: key}.Key(), owner, time.Now().Add(time.Hour).UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		if running(cmd.Process.Pid) {
			t.Skip("the exited process's ID was taken again")
		}
		if got, err := s.Lease(ctx, news.SourceLease{Source: "killed"}, time.Hour); err != nil || !got {
			t.Errorf("the lease of a killed process = %v, %v; want it taken at once", got, err)
		}
		if got, err := s.Lease(ctx, news.SourceLease{Source: "alive"}, time.Hour); err != nil || got {
			t.Errorf("the lease of a live process = %v, %v; want it kept", got, err)
		}

		// A reload: the old store, still open, gives its leases to the new.
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		if got, _ := s2.Lease(ctx, news.SourceLease{Source: "killed"}, time.Hour); got {
			t.Fatal("a lease held by an open store of this process was taken")
		}
		if err := s.ReleaseLeases(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := s2.Lease(ctx, news.SourceLease{Source: "killed"}, time.Hour); err != nil || !got {
			t.Errorf("a lease given up = %v, %v; want it taken", got, err)
		}
		if got, _ := s2.Lease(ctx, news.SourceLease{Source: "alive"}, time.Hour); got {
			t.Error("giving up one store's leases freed another's")
		}
	})
}

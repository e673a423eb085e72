package main

import (
	"database/sql"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

// buildNewsbot builds the newsbot command into dir, from the module this
// runs in, for the cron shape: a fresh process per cycle.
func buildNewsbot(dir string) string {
	bin := filepath.Join(dir, "newsbot")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("build newsbot (run loadbench from the repository's folder, or give -newsbot): %v", err)
	}
	return bin
}

// onceCycle runs `newsbot once` on the config in a process of its own, as
// a cron job does, and prints a line of what it took: wall time, the
// process's CPU seconds and peak resident memory (getrusage of the
// child), and the requests the site had.
func onceCycle(bin, cfgPath, port, name string) time.Duration {
	r0 := stats(port)
	cmd := exec.Command(bin, "once", "--config", cfgPath, "--timeout", "30m")
	cmd.Stdout = io.Discard
	var stderr tail
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		log.Fatalf("newsbot once: %v", err)
	}
	// The child's own peak: VmHWM of its memory after exec, read until it
	// ends. (getrusage's ru_maxrss of a child counts the parent's memory
	// it shared before exec.)
	done, peaked := make(chan struct{}), make(chan float64)
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		var peak float64
		for {
			if mb := statusFileMB(status, "VmHWM:"); mb > peak {
				peak = mb
			}
			select {
			case <-done:
				peaked <- peak
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(done)
	peak := <-peaked
	if err != nil && cmd.ProcessState == nil {
		log.Fatalf("newsbot once: %v", err)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var cpu time.Duration
	if ru != nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	r1 := stats(port)
	fmt.Printf("%-8s %8.2f %8.2f %9s %9.1f %9s %8d %8d   %s\n", name, wall.Seconds(), cpu.Seconds(), "-", peak, "-",
		r1.Requests-r0.Requests, r1.NotModified-r0.NotModified, stderr.last())
	return wall
}

// tail keeps the last line a process wrote: newsbot once's summary.
type tail struct{ buf []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 4096 {
		t.buf = t.buf[len(t.buf)-4096:]
	}
	return len(p), nil
}

func (t *tail) last() string {
	s := string(t.buf)
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}

// expireAllRobots marks every robots.txt the store keeps expired, as if
// a day had passed since all were fetched in one tick.
func expireAllRobots(storage string) {
	db, err := sql.Open("sqlite", storage)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE robots SET expires_at = 0`); err != nil {
		log.Fatalf("expire robots.txt: %v", err)
	}
}

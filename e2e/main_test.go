// Package e2e holds the tests that need the newsbot binary: they build it
// once (with the race detector when the tests run with it) and run it as a
// user does, against local news sites and a fake Slack: the journey of an
// article end to end, the command line, crashes (kill -9), the daemon
// (signals, reloads, /metrics, /newsbot) and replicas on PostgreSQL.
// Everything else is tested in its package.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/newsbot/newsbot/internal/testenv"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "newsbot-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testenv.Binary, err = testenv.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

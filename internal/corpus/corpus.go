// Package corpus finds the evaluation corpus (shared/corpus beside the
// repository) for tests and benchmarks, which skip where it is absent. The
// corpus is evaluation data: it is read from there, never copied in.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus folder: $NEWSBOT_CORPUS, or the first
// shared/corpus found walking up from the working directory. It skips the
// test when there is none.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("NEWSBOT_CORPUS"); d != "" {
		if _, err := os.Stat(d); err != nil {
			tb.Skipf("NEWSBOT_CORPUS=%s: %v", d, err)
		}
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Skipf("no working directory: %v", err)
	}
	for d := wd; ; {
		c := filepath.Join(d, "shared", "corpus")
		if fi, err := os.Stat(c); err == nil && fi.IsDir() {
			return c
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	tb.Skip("evaluation corpus shared/corpus not found (set NEWSBOT_CORPUS)")
	return ""
}

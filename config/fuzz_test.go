package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: any file gives a config or problems, never a panic, and every
// problem has a position in the file.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.yaml")
	for _, p := range append(paths, "../config.yaml") {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(string(b))
		}
	}
	f.Fuzz(func(t *testing.T, data string) {
		_, err := Parse("f.yaml", []byte(data))
		if err == nil {
			return
		}
		ps, ok := err.(Problems)
		if !ok || len(ps) == 0 {
			t.Fatalf("Parse error %v is not a list of problems", err)
		}
		// YAML ends a line at \n, \r\n, or a lone \r (as editors do).
		lines := strings.Count(strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n"), "\n") + 2
		for _, p := range ps {
			if p.Pos.Line < 1 || p.Pos.Line > lines || p.Pos.Col < 1 {
				t.Fatalf("problem at %d:%d, outside the %d-line file: %s", p.Pos.Line, p.Pos.Col, lines, p)
			}
		}
	})
}

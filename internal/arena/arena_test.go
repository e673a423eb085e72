package arena

import (
	"runtime"
	"strings"
	"testing"
)

func TestClone(t *testing.T) {
	var a Strings
	var got []string
	var want []string
	for i := range 5000 {
		s := strings.Repeat(string(rune('a'+i%26)), i%40)
		want = append(want, s)
		got = append(got, a.Clone(s))
	}
	long := strings.Repeat("x", blockSize)
	want, got = append(want, long), append(got, a.Clone(long))
	runtime.GC()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("string %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

// Strings cloned one after the other share blocks: many small strings
// take a few allocations, not one each.
func TestCloneSharesBlocks(t *testing.T) {
	var a Strings
	host := "news.example.org"
	allocs := testing.AllocsPerRun(1000, func() { a.Clone(host) })
	if allocs > 0.01 {
		t.Errorf("%.3f allocations a clone, want a block every %d clones or so", allocs, blockSize/len(host))
	}
}

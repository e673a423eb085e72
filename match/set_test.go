package match

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/corpus"
)

// A query in a set matches exactly as it does on its own.
func TestSetMatchesLikeEachQuery(t *testing.T) {
	var qs []*Query
	for _, src := range []struct{ kw, query string }{
		{"Syrien", ""},
		{"", `Putin NEAR/3 Assad -Fußball`},
		{"IS", `title:Idlib`},
		{"Syrien", `body:Moskau AND @s`}, // shares Syrien with the first
		{"Irak", ""},
	} {
		var kw []string
		if src.kw != "" {
			kw = []string{src.kw}
		}
		q, err := Watchlist(kw, src.query, nil, map[string][]string{"s": {"Syrien", "Syria"}})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	set, err := NewSet(qs...)
	if err != nil {
		t.Fatal(err)
	}
	sc := set.Scan(syriaDoc)
	for i, q := range set.Queries() {
		alone, together := qs[i].Eval(syriaDoc), q.EvalScanned(sc)
		if !reflect.DeepEqual(alone, together) {
			t.Errorf("query %d: alone %+v, in the set %+v", i, alone, together)
		}
	}
}

// BenchmarkSetScan reads German news texts (../shared/corpus/10kgnad) with
// one matcher for 10, 1,000 and 10,000 terms (a few common words, the rest
// words as rare as the names a watchlist holds), and reports MB/s of text,
// beside ripgrep (`rg -F -w -i -c -f terms.txt`) on the same text and terms
// when rg is installed:
//
//	go test ./match -run X -bench SetScan -benchmem
func BenchmarkSetScan(b *testing.B) {
	f, err := os.Open(filepath.Join(corpus.Dir(b), "10kgnad", "test.csv"))
	if err != nil {
		b.Skip(err)
	}
	defer f.Close()
	var docs []Doc
	size := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		_, text, _ := strings.Cut(sc.Text(), ";")
		text = strings.Trim(text, "'")
		docs = append(docs, Doc{Body: text})
		size += len(text)
	}
	vocab := words(docs, 20000)
	for _, n := range []int{10, 1000, 10000} {
		terms := vocab[:min(n, len(vocab))]
		q, err := Watchlist(terms, "", nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		set, err := NewSet(q)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("newsbot/terms=%d", n), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				for _, d := range docs {
					set.Queries()[0].EvalScanned(set.Scan(d))
				}
			}
		})
		// The tool people would use instead, on the same text and terms:
		// ripgrep, fixed strings, whole words, any case, counting.
		rg, err := exec.LookPath("rg")
		if err != nil {
			continue
		}
		dir := b.TempDir()
		textFile, termsFile := filepath.Join(dir, "text.txt"), filepath.Join(dir, "terms.txt")
		var text strings.Builder
		for _, d := range docs {
			text.WriteString(d.Body + "\n")
		}
		if err := os.WriteFile(textFile, []byte(text.String()), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(termsFile, []byte(strings.Join(terms, "\n")+"\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("rg/terms=%d", n), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				out, err := exec.Command(rg, "-F", "-w", "-i", "-c", "-f", termsFile, textFile).Output()
				if err != nil && len(out) == 0 {
					b.Fatalf("rg: %v", err)
				}
			}
		})
	}
}

// words are words of the documents that stand in one of them only, as
// the names and places of a real watchlist do, up to n of them; the first
// few are common words, so that there are matches to evaluate.
func words(docs []Doc, n int) []string {
	count := map[string]int{}
	var order []string
	for _, d := range docs {
		for _, t := range tokenize(d.Body) {
			w := d.Body[t.start:t.end]
			if len(w) <= 3 {
				continue
			}
			if count[w] == 0 {
				order = append(order, w)
			}
			count[w]++
		}
	}
	out := []string{"Österreich", "Regierung", "Polizei", "Wien", "Syrien"}
	for _, w := range order {
		if count[w] == 1 && !allCapitals(w) {
			out = append(out, w)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

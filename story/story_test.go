package story

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/corpus"
)

func TestSimilarity(t *testing.T) {
	a := "Im Nordwesten von Syrien gilt seit Sonntag eine brüchige Waffenruhe. Hilfsorganisationen hoffen auf sichere Wege in die Provinz Idlib, doch im Osten des Landes nutzen Terrorzellen das Machtvakuum."
	same := Sign(a)
	if s := Similarity(same, Sign(a)); s != 1 {
		t.Errorf("a text and itself: %v", s)
	}
	// Folded and cased differently, the same words.
	if s := Similarity(same, Sign(strings.ToUpper(strings.ReplaceAll(a, "ü", "ue")))); s != 1 {
		t.Errorf("the same words, cased and spelled otherwise: %v", s)
	}
	other := Sign("Nach neuen Streiks geht Emmanuel Macron auf die Gewerkschaften zu. Mütter und Beschäftigte in harten Berufen sollen früher in Rente gehen dürfen, am Rentenalter von 64 Jahren hält der Präsident aber fest.")
	if s := Similarity(same, other); s > 0.05 {
		t.Errorf("two different stories: %v", s)
	}
	if Sign("zu kurz") != nil || Similarity(nil, same) != 0 {
		t.Error("a text too short has no signature, and is like nothing")
	}
	if got := FromBytes(same.Bytes()); Similarity(got, same) != 1 {
		t.Error("a stored signature reads back otherwise")
	}
}

// rewrite makes an outlet's version of agency copy: its own dateline,
// the text cut short, a few words changed, a line of its own boilerplate.
func rewrite(r *rand.Rand, text string) string {
	words := strings.Fields(text)
	if cut := len(words) * (65 + r.IntN(30)) / 100; cut > 30 {
		words = words[:cut]
	}
	for i := range words {
		if r.IntN(100) < 6 {
			words[i] = words[r.IntN(len(words))]
		}
	}
	leads := []string{"Berlin (dpa) –", "Wien (APA) –", "Frankfurt (AFP) –", "Hamburg (Reuters) –"}
	tails := []string{"Mehr zum Thema lesen Sie in unserem Newsblog.", "Mit Material von dpa und AFP.", "Lesen Sie auch: Die wichtigsten Fragen und Antworten."}
	return leads[r.IntN(len(leads))] + " " + strings.Join(words, " ") + " " + tails[r.IntN(len(tails))]
}

// TestClusteringCorpus measures, on the 1,028 German news texts of
// ../shared/corpus/10kgnad, how well Similarity at Threshold tells the
// same story (agency copy as another outlet runs it: its own dateline,
// cut to 65–95 %, 6 % of words changed, its own boilerplate) from a
// different story of the same section (the hard case: the same topic).
//
//	go test ./story -run TestClusteringCorpus -v
func TestClusteringCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	f, err := os.Open(filepath.Join(corpus.Dir(t), "10kgnad", "test.csv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	bySection := map[string][]string{}
	var sections []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		label, text, ok := strings.Cut(sc.Text(), ";")
		text = strings.Trim(text, "'")
		if !ok || len(strings.Fields(text)) < 80 {
			continue
		}
		if bySection[label] == nil {
			sections = append(sections, label)
		}
		bySection[label] = append(bySection[label], text)
	}
	sort.Strings(sections)
	r := rand.New(rand.NewPCG(1, 2))
	type pair struct {
		a, b string
		same bool
	}
	var pairs []pair
	for _, s := range sections {
		texts := bySection[s]
		for i, text := range texts {
			if i%3 == 0 { // a third of the texts, as agency copy run twice
				pairs = append(pairs, pair{text, rewrite(r, text), true})
			}
			// Different stories of one section, as they are and as run.
			j := r.IntN(len(texts))
			if j != i {
				pairs = append(pairs, pair{text, texts[j], false}, pair{rewrite(r, text), rewrite(r, texts[j]), false})
			}
		}
	}
	var tp, fp, fn, tn int
	var worstSame, worstOther float64 = 1, 0
	for _, p := range pairs {
		s := Similarity(Sign(p.a), Sign(p.b))
		switch {
		case p.same && s >= Threshold:
			tp++
		case p.same:
			fn++
		case s >= Threshold:
			fp++
		default:
			tn++
		}
		if p.same {
			worstSame = min(worstSame, s)
		} else {
			worstOther = max(worstOther, s)
		}
	}
	precision := float64(tp) / float64(tp+fp)
	recall := float64(tp) / float64(tp+fn)
	line := fmt.Sprintf("clustering: pairs=%d (same story %d) threshold=%.2f precision=%.3f recall=%.3f (lowest same-story similarity %.2f, highest other %.2f)",
		len(pairs), tp+fn, Threshold, precision, recall, worstSame, worstOther)
	t.Log(line)
	fmt.Println(line)
	if precision < 0.99 || recall < 0.97 {
		t.Errorf("below the floors 0.99 / 0.97")
	}
}

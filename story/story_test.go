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
	same := sign(a)
	if s := Similarity(same, sign(a)); s != 1 {
		t.Errorf("a text and itself: %v", s)
	}
	// Folded and cased differently, the same words.
	if s := Similarity(same, sign(strings.ToUpper(strings.ReplaceAll(a, "ü", "ue")))); s != 1 {
		t.Errorf("the same words, cased and spelled otherwise: %v", s)
	}
	other := sign("Nach neuen Streiks geht Emmanuel Macron auf die Gewerkschaften zu. Mütter und Beschäftigte in harten Berufen sollen früher in Rente gehen dürfen, am Rentenalter von 64 Jahren hält der Präsident aber fest.")
	if s := Similarity(same, other); s > 0.05 {
		t.Errorf("two different stories: %v", s)
	}
	if sign("zu kurz").Min != nil || Similarity(Signature{}, same) != 0 || Same(Signature{}, same) {
		t.Error("a text too short has no signature, and is like nothing")
	}
	if got := FromBytes(same.Bytes()); Similarity(got, same) != 1 || got.Shingles != same.Shingles {
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

// standardIntro is an outlet's standard intro of 40 words, put before
// different stories to see that it does not make them one.
const standardIntro = "Liebe Leserinnen und Leser, hier finden Sie die wichtigsten Nachrichten des Tages aus Politik, Wirtschaft und Kultur, zusammengestellt von unserer Redaktion in Wien und ergänzt um Hintergründe, Analysen und Kommentare unserer Korrespondentinnen und Korrespondenten."

// gnadSections reads the texts of ../shared/corpus/10kgnad of 80 words
// or more, by section, and the sections in order; it skips the test
// when the corpus is absent.
func gnadSections(t *testing.T) (map[string][]string, []string) {
	t.Helper()
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
	return bySection, sections
}

// TestClusteringCorpus measures, on the 1,028 German news texts of
// ../shared/corpus/10kgnad, how well Same tells the same story (agency
// copy as another outlet runs it: its own dateline, cut to 65–95 %, 6 %
// of words changed, its own boilerplate) from a different story of the
// same section: as they are, as outlets run them, behind one standard
// intro, reusing a fifth of the other as background, and as a ticker
// that carries a third of the other.
//
//	go test ./story -run TestClusteringCorpus -v
func TestClusteringCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus evaluation")
	}
	bySection, sections := gnadSections(t)
	r := rand.New(rand.NewPCG(1, 2))
	type pair struct {
		a, b string
		same bool
		kind string
	}
	var pairs []pair
	// The hard cases of different stories: an outlet's standard intro
	// before two stories; a new story that reuses a background paragraph
	// of an earlier one; a news ticker under a new link that carries a
	// third of yesterday's entries.
	intro := standardIntro
	kinds := map[string]int{}
	for _, s := range sections {
		texts := bySection[s]
		for i, text := range texts {
			if i%3 == 0 { // a third of the texts, as agency copy run twice
				pairs = append(pairs, pair{text, rewrite(r, text), true, "same"})
				kinds["same story"]++
			}
			// Different stories of one section, as they are and as run.
			j := r.IntN(len(texts))
			if j == i {
				continue
			}
			other := texts[j]
			words := strings.Fields(text)
			background := strings.Join(words[len(words)*4/5:], " ")
			ticker := func(a, b string) string { // new entries (b) on top of a third of a
				aw := strings.Fields(a)
				return b + " " + strings.Join(aw[:len(aw)/3], " ")
			}
			pairs = append(pairs,
				pair{text, other, false, "other"},
				pair{rewrite(r, text), rewrite(r, other), false, "other as run"},
				pair{intro + " " + text, intro + " " + other, false, "shared intro"},
				pair{text, other + " " + background, false, "background"},
				pair{text, ticker(text, other), false, "ticker"},
			)
			kinds["other story"] += 5
		}
	}
	var tp, fp, fn, tn int
	var worstSame, worstOther float64 = 1, 0
	for _, p := range pairs {
		a, b := sign(p.a), sign(p.b)
		s := max(Contained(a, b), Contained(b, a))
		switch {
		case p.same && Same(a, b):
			tp++
		case p.same:
			fn++
		case Same(a, b):
			fp++
			kinds["false: "+p.kind]++
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
	line := fmt.Sprintf("clustering: pairs=%d (same story %d) threshold=%.2f precision=%.3f recall=%.3f (lowest same-story containment %.2f, highest other %.2f)",
		len(pairs), tp+fn, Threshold, precision, recall, worstSame, worstOther)
	t.Log(line)
	fmt.Println(line)
	t.Log(kinds)
	if precision < 0.99 || recall < 0.97 {
		t.Errorf("below the floors 0.99 / 0.97")
	}
}

// sign is the signature of a text, as newsbot signs an article's.
func sign(text string) Signature { return SignWords(Words(text)) }

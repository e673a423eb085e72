// Package story tells when two articles tell the same story: the same
// agency copy run by several outlets, a story republished with a new
// lead or cut short (Same), or two outlets' own write-ups of one event
// (SameEvent, event.go). It compares MinHash signatures of the articles'
// word shingles, so a signature of a few hundred bytes stands for an
// article, and two signatures estimate how much of their text the
// articles share. SignArticle (article.go) signs an article; Judge
// (judge.go) says which of a watcher's recent stories an article tells,
// and how: a verdict the pipeline records.
package story

import (
	"encoding/binary"
	"strings"
	"unicode"
)

// Hashes is the number of hash functions in a signature: the estimate of
// the shared share of shingles has a standard error of about
// sqrt(J(1-J)/Hashes), 0.04 at J = 0.5.
const Hashes = 128

// Threshold is the share of one article contained in the other from
// which two articles are the same story. TestClusteringCorpus measures it.
const Threshold = 0.5

// shingle is the number of words in a shingle.
const shingle = 4

// Signature is an article's MinHash signature and the number of its
// shingles; the zero value (an article too short to have one) is like
// nothing.
type Signature struct {
	Min      []uint32
	Shingles int
	// Lead is the signature of the article's first LeadWords words:
	// copies of one story begin alike, while a new story that reuses an
	// old one's background, or a ticker with new entries on top, does not.
	Lead []uint32
}

// LeadWords is how much of an article's beginning its Lead signs.
const LeadWords = 60

// SignWords returns the signature of a text split into Words: its words
// in lower case, with German spellings folded (ä=ae, ß=ss), taken four at
// a time.
func SignWords(words []string) Signature {
	if len(words) < shingle {
		return Signature{}
	}
	mins, n := minhash(words)
	lead, _ := minhash(words[:min(len(words), LeadWords)])
	return Signature{Min: mins, Shingles: n, Lead: lead}
}

// minhash is the MinHash of words' shingles, and how many distinct
// shingles there are.
func minhash(words []string) ([]uint32, int) {
	m := make([]uint32, Hashes)
	for i := range m {
		m[i] = ^uint32(0)
	}
	seen := map[uint64]bool{}
	var buf []byte
	for i := 0; i+shingle <= len(words); i++ {
		buf = buf[:0]
		for _, w := range words[i : i+shingle] {
			buf = append(buf, w...)
			buf = append(buf, ' ')
		}
		h := hash64(buf)
		if seen[h] {
			continue
		}
		seen[h] = true
		// Hashes functions from one: h_i = h1 + i·h2 (Kirsch–Mitzenmacher).
		h1, h2 := uint32(h), uint32(h>>32)|1
		for j := range m {
			if v := h1 + uint32(j)*h2; v < m[j] {
				m[j] = v
			}
		}
	}
	return m, len(seen)
}

// hash64 is FNV-1a, fixed so that signatures mean the same in every
// process and version.
func hash64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	// Mix the bits (splitmix64's finalizer): FNV's high bits are weak.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// Similarity estimates the share of shingles two articles have in common
// (their Jaccard index), from 0 to 1.
func Similarity(a, b Signature) float64 { return jaccard(a.Min, b.Min) }

// Contained estimates the share of a's shingles that are also b's: how
// much of article a is in article b (an outlet's shortened version is
// mostly in the agency's copy).
func Contained(a, b Signature) float64 {
	j := Similarity(a, b)
	if j == 0 || a.Shingles == 0 {
		return 0
	}
	// |a∩b| = J·|a∪b| and |a∪b| = (|a|+|b|)/(1+J).
	return min(1, j*float64(a.Shingles+b.Shingles)/((1+j)*float64(a.Shingles)))
}

// Same reports whether two articles tell the same story: most of one is
// in the other (Threshold), either way round, and they begin alike
// (LeadThreshold), or, when an outlet wrote a lead of its own, they share
// most of their text both ways (TextThreshold). A new story that reuses
// an old one's background, or a ticker with new entries on top, shares
// one of the two only.
func Same(a, b Signature) bool {
	return max(Contained(a, b), Contained(b, a)) >= Threshold &&
		(jaccard(a.Lead, b.Lead) >= LeadThreshold || Similarity(a, b) >= TextThreshold)
}

// LeadThreshold is the share of shingles two articles' leads must share.
const LeadThreshold = 0.3

// TextThreshold is the share of all their shingles (Jaccard) two
// articles with leads of their own must share.
const TextThreshold = 0.5

func jaccard(a, b []uint32) float64 {
	if len(a) != Hashes || len(b) != Hashes {
		return 0
	}
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / Hashes
}

// Words are the text's words in lower case, German spellings folded.
func Words(text string) []string {
	fold := strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss")
	return strings.FieldsFunc(fold.Replace(strings.ToLower(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Bytes is the signature as stored: the number of shingles, then the
// minima.
func (s Signature) Bytes() []byte {
	if len(s.Min) != Hashes || len(s.Lead) != Hashes {
		return nil
	}
	b := make([]byte, 4*(1+2*Hashes))
	binary.LittleEndian.PutUint32(b, uint32(s.Shingles))
	for i, v := range append(append([]uint32{}, s.Min...), s.Lead...) {
		binary.LittleEndian.PutUint32(b[4*(i+1):], v)
	}
	return b
}

// FromBytes reads a stored signature.
func FromBytes(b []byte) Signature {
	if len(b) != 4*(1+2*Hashes) {
		return Signature{}
	}
	s := Signature{Shingles: int(binary.LittleEndian.Uint32(b)), Min: make([]uint32, Hashes), Lead: make([]uint32, Hashes)}
	for i := range s.Min {
		s.Min[i] = binary.LittleEndian.Uint32(b[4*(i+1):])
		s.Lead[i] = binary.LittleEndian.Uint32(b[4*(1+Hashes+i):])
	}
	return s
}

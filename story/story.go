// Package story tells when two articles tell the same story: the same
// agency copy run by several outlets, a story republished with a new
// lead or cut short. It compares MinHash signatures of the articles'
// word shingles, so a signature of a few hundred bytes stands for an
// article, and two signatures estimate how much of their text the
// articles share.
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

// Threshold is the Similarity from which two articles are the same story.
// TestClusteringCorpus measures it.
const Threshold = 0.15

// shingle is the number of words in a shingle.
const shingle = 4

// Signature is an article's MinHash signature; the zero value (an
// article too short to have one) is like nothing.
type Signature []uint32

// Sign returns the signature of a text: its words in lower case, with
// German spellings folded (ä=ae, ß=ss), taken four at a time.
func Sign(text string) Signature {
	words := Words(text)
	if len(words) < shingle {
		return nil
	}
	sig := make(Signature, Hashes)
	for i := range sig {
		sig[i] = ^uint32(0)
	}
	var buf []byte
	for i := 0; i+shingle <= len(words); i++ {
		buf = buf[:0]
		for _, w := range words[i : i+shingle] {
			buf = append(buf, w...)
			buf = append(buf, ' ')
		}
		h := hash64(buf)
		// Hashes functions from one: h_i = h1 + i·h2 (Kirsch–Mitzenmacher).
		h1, h2 := uint32(h), uint32(h>>32)|1
		for j := range sig {
			if v := h1 + uint32(j)*h2; v < sig[j] {
				sig[j] = v
			}
		}
	}
	return sig
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
func Similarity(a, b Signature) float64 {
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

// Bytes is the signature as stored.
func (s Signature) Bytes() []byte {
	b := make([]byte, 4*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return b
}

// FromBytes reads a stored signature.
func FromBytes(b []byte) Signature {
	if len(b) != 4*Hashes {
		return nil
	}
	s := make(Signature, Hashes)
	for i := range s {
		s[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return s
}

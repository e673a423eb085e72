package story

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/newsbot/newsbot/news"
)

// MinWords is how many words an article needs to be told from another:
// shorter ones, and those known only by their feed's text, have no
// signatures.
const MinWords = 80

// Signatures are what tells an article from others: its story signature
// (SignWords), its event signature (SignEvent), and its text as a key.
// The same text under another link of the site is the same article (a
// print or AMP version, a moved page), whatever its headline; the same
// text on another site is another outlet's version.
type Signatures struct {
	Story, Event []byte
	// Text is "text:" host ":" a hash of the article's words.
	Text string
}

// SignArticle signs an article; the zero Signatures for one too short
// to tell (MinWords) or known only by its feed's text.
func SignArticle(art *news.Article) Signatures {
	if art.FromFeed {
		return Signatures{}
	}
	text := art.MainText()
	words := Words(text)
	if len(words) < MinWords {
		return Signatures{}
	}
	h := sha256.New()
	for _, w := range words {
		h.Write([]byte(w))
		h.Write([]byte{0})
	}
	return Signatures{
		Story: SignWords(words).Bytes(),
		Event: SignEvent(art.Title, text).Bytes(),
		Text:  "text:" + news.Host(art.URL) + ":" + hex.EncodeToString(h.Sum(nil)[:16]),
	}
}

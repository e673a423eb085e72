package match

import (
	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/german"
)

// stemmers are the Snowball stemmers by language.
var stemmers = map[string]func(*snowballstem.Env) bool{
	"de": german.Stem,
	"en": english.Stem,
}

// stemLangs are the languages a term stemmed in the document's language
// is prepared for.
var stemLangs = []string{"de", "en"}

// stem is the Snowball stem of a folded, lower-case word.
func stem(lang, w string) string {
	f := stemmers[lang]
	if f == nil {
		return w
	}
	env := snowballstem.NewEnv(w)
	f(env)
	return env.Current()
}

// CanStem says whether a document in the language lang ("de", "de-DE",
// "en") has its terms stemmed by a watcher that stems in the document's
// language.
func CanStem(lang string) bool { return stemmers[langCode(lang)] != nil }

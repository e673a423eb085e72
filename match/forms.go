package match

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The forms of place names: a watcher's term that is the name of a
// country or another place in the news (Syrien, Syria) also finds the
// place's other forms when the watcher asks for them: its genitive
// (Syriens), its adjective in all its endings (syrisch, syrische,
// syrischen…), its people (Syrer, Syrerin, Syrern…), in German, English
// or both (Syria, Syrian, Syrians). The forms are those of places.tsv, a
// list written from Duden, the German Foreign Office's list of state names
// and common English news usage (see its head).

//go:embed places.tsv
var placesTSV string

// place is one place's forms, by language.
type place struct {
	forms map[string][]string // language → every form
	names []string            // its names, in every language
}

// places are the places of places.tsv, by each of their names (as
// matched: words folded and lower-cased, joined by a space), in any
// language.
var places = func() map[string]*place {
	m, err := readPlaces(placesTSV)
	if err != nil {
		panic(err) // the file is the program's own: a test reads it
	}
	return m
}()

// readPlaces reads places.tsv: lines of code, language, names,
// adjectives and people, tab-separated; names and the rest separated by
// commas; "-" for none.
func readPlaces(tsv string) (map[string]*place, error) {
	byCode := map[string]*place{}
	byName := map[string]*place{}
	for n, line := range strings.Split(tsv, "\n") {
		if line = strings.TrimRight(line, "\r"); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, fmt.Errorf("places.tsv:%d: %d columns, want 5", n+1, len(f))
		}
		code, lang := f[0], f[1]
		p := byCode[code]
		if p == nil {
			p = &place{forms: map[string][]string{}}
			byCode[code] = p
		}
		names, adjectives, people := list(f[2]), list(f[3]), list(f[4])
		var forms []string
		for _, name := range names {
			forms = append(forms, nameForms(name, lang)...)
			if other := byName[key(name)]; other != nil && other != p {
				return nil, fmt.Errorf("places.tsv:%d: %q names two places", n+1, name)
			}
			byName[key(name)] = p
			p.names = append(p.names, name)
		}
		for _, a := range adjectives {
			forms = append(forms, adjectiveForms(a, lang)...)
		}
		p.forms[lang] = append(p.forms[lang], append(forms, people...)...)
	}
	return byName, nil
}

func list(s string) []string {
	if s = strings.TrimSpace(s); s == "" || s == "-" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// nameForms are a name and, in German, its genitive (Syriens) and, for a
// name in -e, its dative plural (den Niederlanden).
func nameForms(name, lang string) []string {
	out := []string{name}
	if lang != "de" || strings.ContainsAny(name, " -") || allCapitals(name) {
		return out
	}
	switch last := name[len(name)-1:]; {
	case strings.ContainsAny(last, "sxzß"):
	case last == "e":
		out = append(out, name+"s", name+"n")
	default:
		out = append(out, name+"s")
	}
	return out
}

// adjectiveForms are an adjective in all its endings: a German stem takes
// -e, -em, -en, -er, -es; an English adjective is as it is.
func adjectiveForms(stem, lang string) []string {
	if lang != "de" {
		return []string{stem}
	}
	out := []string{stem}
	for _, e := range []string{"e", "em", "en", "er", "es"} {
		out = append(out, stem+e)
	}
	return out
}

// key is a name as places are looked up by: its words, folded.
func key(name string) string {
	var words []string
	for _, t := range tokenize(name) {
		words = append(words, fold(name[t.start:t.end], true))
	}
	return strings.Join(words, " ")
}

// placeForms are the forms of the place a term names, in the languages
// given (not the term itself); none when it names no place.
func placeForms(term string, langs []string) []string {
	p := places[key(term)]
	if p == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{key(term) + caseMark(term): true}
	for _, lang := range langs {
		for _, f := range p.forms[lang] {
			if fk := key(f) + caseMark(f); !seen[fk] {
				seen[fk] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// caseMark tells a form in capitals (US) from the same word otherwise
// (us): they are different terms.
func caseMark(f string) string {
	if allCapitals(f) {
		return "\x00caps"
	}
	return ""
}

// langsOf are the languages in which a term is a place's name.
func langsOf(term string) []string {
	p := places[key(term)]
	if p == nil {
		return nil
	}
	var out []string
	for _, lang := range []string{"de", "en"} {
		for _, f := range p.forms[lang] {
			if key(f) == key(term) {
				out = append(out, lang)
				break
			}
		}
	}
	return out
}

// partOf says, when words i..end are part of a longer name the pattern
// must not match in ("Sudan" in "South Sudan"), which: "part of South
// Sudan"; "" otherwise.
func (p *pattern) partOf(lower []string, i, end int) string {
	for _, n := range p.notIn {
		// Every place n could stand at so that it covers i..end.
		for s := max(0, end-len(n.words)+1); s <= i && s+len(n.words) <= len(lower); s++ {
			if slices.Equal(lower[s:s+len(n.words)], n.words) {
				return "part of " + n.name
			}
		}
	}
	return ""
}

// longerName is another place's name that holds a pattern's words.
type longerName struct {
	name  string
	words []string // folded, lower case
}

// longerNames are the names of other places that hold one of forms as a
// part ("South Sudan" holds "Sudan"), one a line.
func longerNames(p *place, forms []string) string {
	var out []string
	for _, f := range forms {
		for _, n := range partsOf()[key(f)] {
			if n.place != p && !slices.Contains(out, n.name) {
				out = append(out, n.name)
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// named is a place's name.
type named struct {
	place *place
	name  string
}

// partsOf indexes the places' names by each run of their words shorter
// than the whole ("sudan" → South Sudan), made once.
var partsOf = sync.OnceValue(func() map[string][]named {
	index := map[string][]named{}
	seen := map[*place]bool{}
	for _, p := range places {
		if seen[p] {
			continue
		}
		seen[p] = true
		for _, name := range p.names {
			ws := strings.Fields(key(name))
			for i := range ws {
				for j := i + 1; j <= len(ws); j++ {
					if j-i < len(ws) {
						k := strings.Join(ws[i:j], " ")
						index[k] = append(index[k], named{p, name})
					}
				}
			}
		}
	}
	return index
})

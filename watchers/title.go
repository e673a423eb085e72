package watchers

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
)

// articleTitle is the page's headline: the first of its og:title,
// twitter:title, first <h1> and <title> that is a headline once the site's
// name is cut off it ("Waffenruhe in Idlib | Rheinische Rundschau"). A
// <title> of "Startseite", or of the site's name alone, is none.
func articleTitle(doc *goquery.Document, page string, attr func(sel, name string) string) string {
	h1 := clean(doc.Find("h1").First().Text())
	tag := clean(doc.Find("title").First().Text())
	og := attr(`meta[property="og:title"]`, "content")
	site := newSite(page, attr(`meta[property="og:site_name"]`, "content"), attr(`meta[name="application-name"]`, "content"))
	// og:title and <title> frame the same headline with the site's name,
	// each its own way ("NWX Magazin | H", "H - NEW WORK Experience"):
	// what they do not share is the site's.
	for _, rest := range unshared(og, tag) {
		site.add(rest)
	}
	for _, t := range []string{og, attr(`meta[name="twitter:title"]`, "content"), h1, tag} {
		t = site.cut(t)
		if t != "" && !site.named(t) && !placeholderTitles[strings.ToLower(t)] {
			return t
		}
	}
	return ""
}

// placeholderTitles are what some pages have for a title instead of a
// headline.
var placeholderTitles = map[string]bool{
	"menu": true, "menü": true, "home": true, "homepage": true, "start": true, "startseite": true,
	"navigation": true, "hauptmenü": true, "main menu": true, "index": true, "suche": true, "search": true, "untitled": true, "ohne titel": true,
}

// titleSeparators stand between a headline and the site's name.
var titleSeparators = []string{" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", ": "}

// cut cuts the site's names, and dates, off either end of title, as many
// as there are ("Buß- und Ordnungsgeld | Recht | Haufe" keeps "Recht";
// "08.11.2021 | Online-Fachtag" is the Fachtag).
func (site siteNames) cut(title string) string {
	for {
		cut := title
		for _, sep := range titleSeparators {
			if i := strings.LastIndex(cut, sep); i > 0 && site.notHeadline(cut[:i], cut[i+len(sep):]) {
				cut = strings.TrimSpace(cut[:i])
				break
			}
			if i := strings.Index(cut, sep); i > 0 && site.notHeadline(cut[i+len(sep):], cut[:i]) {
				cut = strings.TrimSpace(cut[i+len(sep):])
				break
			}
		}
		if cut == title || nameKey(cut) == "" {
			return title
		}
		title = cut
	}
}

// unshared are the parts of titles a and b around the longest run of
// parts they share (alike but for punctuation), when that run is the
// headline and the rest a name on one side of it. Parts are what
// titleSeparators part, but for the colon: "Syrien: Waffenruhe" is a
// kicker and its headline.
func unshared(a, b string) []string {
	pa, pb := titleParts(a), titleParts(b)
	var best string
	var ra, rb partRun
	for _, x := range partRuns(a, pa) {
		for _, y := range partRuns(b, pb) {
			if len(x.key) > len(best) && x.key == y.key {
				best, ra, rb = x.key, x, y
			}
		}
	}
	ai, aj, bi, bj := ra.i, ra.j, rb.i, rb.j
	// Each title names the site on its own side, or not at all: two
	// different beginnings are two kickers, not a name.
	if best == "" || ai > 0 && bi > 0 || aj < len(pa) && bj < len(pb) {
		return nil
	}
	shared := joinParts(a, pa, ai, aj)
	var rest []string
	for _, p := range [][]string{partTexts(a, pa[:ai]), partTexts(a, pa[aj:]), partTexts(b, pb[:bi]), partTexts(b, pb[bj:])} {
		rest = append(rest, p...)
	}
	// A name is short, and shorter than the headline: "Niederlage für
	// Johnson - wie geht es jetzt weiter?" has a subline, not a name.
	for _, r := range rest {
		if len(strings.Fields(r)) > 4 || len(r) >= len(shared) {
			return nil
		}
	}
	return rest
}

// titleParts are the [start, end) offsets of a title's parts.
func titleParts(t string) [][2]int {
	var parts [][2]int
	start := 0
	for i := 0; i < len(t); i++ {
		for _, sep := range titleSeparators {
			if sep != ": " && strings.HasPrefix(t[i:], sep) {
				parts = append(parts, [2]int{start, i})
				start = i + len(sep)
				i = start - 1
				break
			}
		}
	}
	return append(parts, [2]int{start, len(t)})
}

func joinParts(t string, parts [][2]int, i, j int) string {
	return t[parts[i][0]:parts[j-1][1]]
}

// partRun is the parts i to j-1 of a title, and their key.
type partRun struct {
	i, j int
	key  string
}

func partRuns(t string, parts [][2]int) []partRun {
	var runs []partRun
	for i := range parts {
		for j := i + 1; j <= len(parts); j++ {
			runs = append(runs, partRun{i, j, nameKey(joinParts(t, parts, i, j))})
		}
	}
	return runs
}

func partTexts(t string, parts [][2]int) []string {
	var out []string
	for _, p := range parts {
		out = append(out, t[p[0]:p[1]])
	}
	return out
}

// siteNames are the names of a page's site, as keys (see nameKey): as the
// page gives them, and as its host does.
type siteNames map[string]bool

func newSite(page string, names ...string) siteNames {
	site := siteNames{}
	for _, n := range names {
		site.add(n)
	}
	u, err := url.Parse(page)
	if err != nil {
		return site
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return site
	}
	site.add(host)
	for _, l := range labels[:len(labels)-1] {
		if len(l) >= 2 {
			site.add(l)
		}
	}
	return site
}

func (site siteNames) add(name string) {
	if k := nameKey(name); k != "" {
		site[k] = true
	}
}

// notHeadline reports whether part, cut off a title to leave rest, is the
// site's name or a date. "Wochenbericht 14. - 20. Januar 2022" is a
// headline with a date range in it, not a headline and a date.
func (site siteNames) notHeadline(rest, part string) bool {
	if site.named(part) {
		return true
	}
	rest = strings.TrimSuffix(rest, ".")
	return rest != "" && !unicode.IsDigit(rune(rest[len(rest)-1])) && dateLine(strings.ToLower(strings.TrimSpace(part)))
}

// named reports whether s is one of the site's names.
func (site siteNames) named(s string) bool {
	k := nameKey(s)
	return k != "" && site[k]
}

// nameKey is a name in lower case without spaces or punctuation, so that
// "Heavenlynn Healthy", "heavenlynnhealthy.de" and "DOMRADIO.DE" meet
// their hosts. A leading "the" is dropped.
func nameKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "the ")
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

package watchers

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// shapeRule is a kind of paragraph that is not article text, recognisable
// by its words alone, in German or English.
type shapeRule struct {
	why   string
	max   int      // the longest paragraph, in runes, it applies to
	hints []string // words one of which it needs, to spare the expression
	re    *regexp.Regexp
}

// shapeRules work on lower-case text.
var shapeRules = []shapeRule{
	// A link to another article, announced in the text.
	{"teaser", 200, nil, regexp.MustCompile(`^(lesen sie (auch|hier|mehr)|lies auch|auch lesen|mehr dazu|siehe auch|read more|read also|also read|related|see also|weiterlesen)\s*:|^(…|\.\.\.)\s*weiter (zu|zum|zur|mit) `)},
	// The header over a box of links to other articles, which is no
	// sentence: "Mehr zum Thema lesen Sie in unserem Newsblog." stands in
	// the text.
	{"related header", 60, nil, regexp.MustCompile(`^(mehr zum thema|mehr zu diesem thema|weitere (artikel|themen|beiträge|nachrichten|meldungen|news|infos|informationen)|mehr themen|weitere aktuelle|auch interessant|interessant auch|das könnte (sie|dich|euch) auch interessieren|das thema könnte|(lesen sie|lies) auch|auch lesen|zum weiterlesen|weiterlesen|schon gelesen|neueste (artikel|beiträge)|meist(-| )?(gelesen|diskutiert|kommentiert)|meistgelesen|beliebte (artikel|beiträge)|ähnliche (artikel|beiträge|themen)|verwandte (artikel|beiträge|themen)|passend zum thema|passende artikel|(vorschau auf den )?(nächste[nr]?|vorherige[nr]?) (artikel|beitrag)|(next|previous) (article|post|story)|videos? zum thema|beiträge aus dem forum|entdecke weitere|top-?themen|related|read more|read also|also read|see also|more (from|stories|news|articles)|recommended|you (may|might) also like|most (read|popular|viewed)|trending|top stories|inhaltsverzeichnis|table of contents|contents)\b(.*[^.])?$`)},
	// Photo credits and sources: "© Oli Scarff/Getty Images", "Titelbild: …".
	{"credit", 200, []string{"©"}, nil},
	{"credit", 200, []string{"rechte vorbehalten", "rights reserved", "inhalte dieser"}, regexp.MustCompile(`alle rechte vorbehalten|all rights reserved|inhalte dieser (website|seite|webseite)`)},
	{"credit", 200, nil, regexp.MustCompile(`^\(c\)|^copyright\b|^\(?(foto|fotos|bild|bilder|titelbild|titelfoto|beitragsbild|aufmacherbild|headerbild|bildquelle|bildnachweis|fotonachweis|photo|photos|image|picture|credit|credits|illustration|grafik|quelle)\s*:`)},
	{"credit", 200, []string{"foto", "bild", "photo", "credit"}, regexp.MustCompile(`\b(foto|fotos|bild|photo|credit)\s*:\s*[^.:]{2,60}\)?$`)},
	// Captions numbered as figures: "Abbildung 4: …", "Figure 2. …".
	{"credit", 300, nil, regexp.MustCompile(`^(abbildung|abb\.|figure|fig\.|grafik)\s*\d+\s*[:.]`)},
	// A file to download, with its size: "Informationsschreiben (PDF | 38 KB)".
	{"download", 200, []string{"kb", "mb"}, regexp.MustCompile(`(pdf|docx?|xlsx?|pptx?|zip)\W{0,4}\d+([.,]\d+)?\s*(kb|mb)\b`)},
	// An image's file and sizes, where a gallery's markup leaked as text.
	{"image file", 400, []string{".jp", ".png", ".gif", ".webp"}, regexp.MustCompile(`\S+\.(jpe?g|png|gif|webp)\b`)},
	// A press release's contact lines.
	{"contact", 120, nil, regexp.MustCompile(`^(kontakt|pressekontakt|ansprechpartner(in)?( zum thema)?|pressesprecher(in)?|telefon|tel\.|fax|e-mail|email|contact|phone|press contact|media contact)\s*:`)},
	{"category", 80, []string{"kategor", "categor", "rubrik", "ressort", "schlagw", "tags", "stichw", "filed under", "posted in"},
		regexp.MustCompile(`\b(kategorie|kategorien|category|categories|rubrik|ressort|schlagwörter|schlagworte|tags|stichwörter|filed under|posted in)\s*:`)},
	// Ad and affiliate disclosures.
	{"ad", 200, nil, regexp.MustCompile(`^\*?(anzeige|werbung|advertisement|sponsored|gesponsert)\b`)},
	{"ad", 300, []string{"affiliate", "werbung", "references to products", "advertis", "receive", "provision"},
		regexp.MustCompile(`affiliate[- ]?links?|enthält werbung|references to products|advertis(er|ing) (disclosure|policy)|(may|might) receive (compensation|a commission)|provision erhalten`)},
	// Calls to subscribe, log in, support the site, download its app.
	{"newsletter", 300, []string{"newsletter"}, regexp.MustCompile(`newsletter.{0,80}(abonn|anmeld|bestell|registr|sign|subscri|posteingang|inbox)|(abonn|anmeld|bestell|registr|sign|subscri).{0,40}newsletter`)},
	{"newsletter", 300, []string{"posteingang", "inbox"}, regexp.MustCompile(`in (deinen|ihren|euren|your) (e-mail-)?(posteingang|inbox)`)},
	{"subscribe", 300, []string{"subscri", "abonn", "abo", "sign up"}, regexp.MustCompile(`\bsubscribe (now|today|to)\b|please subscribe|already a subscriber|sign up here|subscribers (also|get|receive)|jetzt abonnieren|abonniere|im abo\b|abo abschließen`)},
	{"login", 300, []string{"eingeloggt", "angemeldet", "einloggen", "anmelden", "registriert", "log in", "logged in", "sign in"},
		regexp.MustCompile(`nicht (eingeloggt|angemeldet)|kommentier[^.]{0,60}(eingeloggt|einloggen|anmelden|registriert)|(eingeloggt|angemeldet) sein,? um|log in (for|to) (immediate )?(access|read|view|comment)|logged in to (comment|read)|sign in to (comment|read|continue)`)},
	{"support us", 300, []string{"unterstütz", "support"}, regexp.MustCompile(`unterstütze (uns|\pL+ bereits)|support (our|independent) (work|journalism)|consider supporting|supporting our work|unterstützen sie (unsere arbeit|unseren journalismus)`)},
	{"app", 300, []string{"app"}, regexp.MustCompile(`download (the|our) .{0,30}apps?\b|(laden sie|hol dir) (die|unsere) .{0,20}app\b`)},
	// Rules for comments, and prompts to share or rate.
	{"comment rules", 300, []string{"comment", "letter to the editor", "what you think", "kommentar", "netiquette"},
		regexp.MustCompile(`comments (are|will be) (moderated|reviewed)|comments are civil|reader comments|letter to the editor|what you think about this article|kommentare werden .{0,20}(moderiert|freigeschaltet)|netiquette`)},
	{"share", 300, []string{"teilen", "weiterempfehlen", "bewerten", "share"},
		regexp.MustCompile(`(artikel|beitrag|seite|post) (teilen|weiterempfehlen|bewerten)|vergiss nicht zu teilen|mit anderen teilen|share (this|the) (article|story|post)|bewerten sie (diesen|den) (artikel|beitrag)|hier können sie .{0,20}bewerten`)},
}

// shapeReason says which shape rule a paragraph of n runes falls under,
// or "".
func shapeReason(s string, n int) string {
	lower := strings.ToLower(s)
	for _, r := range shapeRules {
		if n > r.max || r.hints != nil && !containsAny(lower, r.hints) {
			continue
		}
		if r.re == nil || r.re.MatchString(lower) {
			return r.why
		}
	}
	if dateLine(lower) {
		return "date line"
	}
	if metaLine(lower) {
		return "meta line"
	}
	return ""
}

// metaLine reports whether s is a line of short items between bars, as
// pages list their sections, share links or a post's date and category:
// "impressum | datenschutz | kontakt", "2021-10-16 | botschaft".
func metaLine(s string) bool {
	items := strings.Split(s, "|")
	// Code has bars too: "{ |item| item }".
	if len(items) < 2 || len(s) > 200 || strings.ContainsAny(s, "{}[]=;") {
		return false
	}
	if len(items) == 2 {
		a, b := strings.TrimSpace(items[0]), strings.TrimSpace(items[1])
		return dateLine(a) && len(strings.Fields(b)) <= 2 || dateLine(b) && len(strings.Fields(a)) <= 2
	}
	for _, it := range items {
		if it = strings.TrimSpace(it); len(it) > 40 || strings.ContainsAny(lastRune(it), ".!?") {
			return false
		}
	}
	return true
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

const (
	months = `januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|` +
		`january|february|march|may|june|july|october|december|jan|feb|mär|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dez|dec`
	weekdays = `montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday|` +
		`mo|di|mi|do|fr|sa|so|mon|tue|wed|thu|fri|sat|sun`
)

var (
	// aDate is a day's date the ways pages write it.
	aDate = regexp.MustCompile(`\b\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|` +
		`\b\d{1,2}\.?\s+(` + months + `)\b|\b(` + months + `)\.?\s+\d{1,2}(st|nd|rd|th)?,?\s+\d{4}\b`)
	// dateWords are the words that may stand around a date in a date line.
	dateWords = regexp.MustCompile(`\b(aktualisiert|veröffentlicht|erstellt|geändert|zuletzt|letzte änderung|stand|datum|am|um|uhr|` +
		`updated|published|posted|last modified|created|modified|on|at|news date|release date|date|pm|asked|answered|edited|geschrieben|verfasst|gepostet|` + months + `|` + weekdays + `)\b\.?`)
	dateNumbers = regexp.MustCompile(`\d{1,4}([./:-]\d{1,4}){0,2}\.?`)
)

// dateLine reports whether lower-case s is a date and time and nothing
// else: "aktualisiert am 17.01.2021." or "23.10.2018".
func dateLine(s string) bool {
	if len(s) > 120 || utf8.RuneCountInString(s) > 60 || !strings.ContainsFunc(s, unicode.IsDigit) || !aDate.MatchString(s) {
		return false
	}
	rest := dateNumbers.ReplaceAllString(dateWords.ReplaceAllString(s, ""), "")
	return strings.TrimFunc(rest, func(r rune) bool { return !unicode.IsLetter(r) }) == ""
}

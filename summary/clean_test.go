package summary

import (
	"strings"
	"testing"

	"github.com/newsbot/newsbot/news"
)

// A summary stands on its own: each case is an article whose summary,
// for its matched word, must carry some sentences and must not carry
// others.
func TestSummaryStandsAlone(t *testing.T) {
	for _, tt := range []struct {
		name      string
		art       news.Article
		word      string
		want, not []string
	}{
		{
			name: "a sentence that leans on the one before comes with it",
			art: news.Article{Teaser: "Die Regierung in Damaskus hat neue Gespräche angekündigt.", Body: []string{
				"In Genf trafen sich am Montag Vertreter der Opposition. Der Vermittler der Vereinten Nationen, Geir Pedersen, zeigte sich vorsichtig. Er sagte, in Syrien sei noch nichts entschieden.",
				"Die Gespräche sollen am Mittwoch weitergehen.",
			}},
			word: "Syrien",
			want: []string{"Geir Pedersen, zeigte sich vorsichtig. Er sagte, in Syrien"},
		},
		{
			name: "an attribution to a pronoun comes with who it is",
			art: news.Article{Teaser: "Die Ölpreise dürften steigen, sagen Experten.", Body: []string{
				"Der Analyst Markus Weber von der Landesbank rechnet mit einem knappen Angebot. Das zusätzliche Öl aus dem Iran werde den Markt kaum entlasten, sagte er.",
			}},
			word: "Iran",
			want: []string{"Markus Weber", "aus dem Iran"},
		},
		{
			name: "service lines are not the story",
			art: news.Article{Teaser: "Update vom 03. Mai 2020, 16:05 Uhr: Die Zahlen wurden ergänzt.", Body: []string{
				"Der Volltext dieses Artikels steht aus rechtlichen Gründen nicht mehr zur Verfügung.",
				"Syrien meldet 40 neue Fälle. Die Behörden schließen die Grenzen.",
				"Submit your letter to the editor via this form.",
			}},
			word: "Syrien",
			want: []string{"Syrien meldet 40 neue Fälle."},
			not:  []string{"Update vom", "Volltext", "Submit"},
		},
		{
			name: "no picture markers",
			art:  news.Article{Body: []string{"Helfer verteilen in Idlib Decken an Familien aus Syrien (Bild). Die Nächte sind kalt."}},
			word: "Syrien",
			want: []string{"Familien aus Syrien. Die Nächte sind kalt."},
			not:  []string{"(Bild)"},
		},
		{
			name: "the opening sentence once",
			art: news.Article{Teaser: "In Syrien gilt seit Sonntag eine Waffenruhe.", Body: []string{
				"In Syrien gilt seit Sonntag eine Waffenruhe. Hilfskonvois erreichen den Nordwesten.",
			}},
			word: "Syrien",
			want: []string{"In Syrien gilt seit Sonntag eine Waffenruhe. Hilfskonvois erreichen den Nordwesten."},
		},
		{
			name: "a quote closes where it opens",
			art: news.Article{Teaser: "Der Minister will mehr Hilfe für Syrien.", Body: []string{
				"Im Bundestag sagte er: „Wir müssen helfen. Das ist unsere Pflicht gegenüber Syrien.“ Die Opposition stimmte zu.",
			}},
			word: "Pflicht",
			want: []string{"„Wir müssen helfen. Das ist unsere Pflicht gegenüber Syrien.“"},
		},
		{
			name: "the lead, which tells the story, is there however late the match",
			art: news.Article{Teaser: "Der Bundestag hat das Klimagesetz beschlossen.", Body: []string{
				"Die Abstimmung fiel knapp aus. Die Opposition kündigte Klagen an. Am Rande der Debatte ging es auch um Syrien.",
			}},
			word: "Syrien",
			want: []string{"Der Bundestag hat das Klimagesetz beschlossen.", "auch um Syrien"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(&tt.art, finder(tt.word)).Text
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(s, n) {
					t.Errorf("summary carries %q:\n%s", n, s)
				}
			}
			if openQuotes(s) != 0 {
				t.Errorf("summary leaves a quote open:\n%s", s)
			}
		})
	}
}

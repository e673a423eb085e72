package pipeline_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testenv"
	"github.com/newsbot/newsbot/story"
)

// The same agency story from two outlets is one alert that names both;
// a third outlet running it after the alert went out is a reply in its
// thread, not a new alert. A different story on the same topic is an
// alert of its own.
func TestSameStoryFromSeveralOutlets(t *testing.T) {
	wire := "Im Nordwesten von Syrien gilt seit Sonntag eine brüchige Waffenruhe. Hilfsorganisationen hoffen auf sichere Wege in die Provinz Idlib, wo nach Angaben der Vereinten Nationen mehr als eine Million Menschen auf Hilfe angewiesen sind. " +
		"Die ersten Lastwagen mit Lebensmitteln, Decken und Medikamenten erreichten am Montag den Grenzübergang Bab al-Hawa. Beobachter warnen jedoch, dass die Waffenruhe schon in den vergangenen Jahren mehrfach gebrochen worden sei. " +
		"Im Osten des Landes nutzen Terrorzellen das Machtvakuum, berichten Helfer vor Ort."
	other := "In Syrien haben Lehrer in mehreren Städten gegen die niedrigen Gehälter protestiert. Die Regierung in Damaskus kündigte an, die Löhne im öffentlichen Dienst im kommenden Jahr zu erhöhen, nannte aber keine Zahlen. " +
		"Gewerkschaften sprechen von einer Inflation, die viele Familien an den Rand der Armut treibe. Schulen blieben am Dienstag in Aleppo und Homs geschlossen."
	page := func(title, dateline, text, tail string) string {
		return `<!DOCTYPE html><html lang="de"><head><title>` + title + `</title></head><body><nav><a href="/">Start</a></nav><article><h1>` + title +
			`</h1><p>` + dateline + " " + text + `</p><p>` + tail + `</p></article><footer>Impressum</footer></body></html>`
	}
	var mu sync.Mutex
	third, moved, extra := false, false, false
	mux := http.NewServeMux()
	feed := func(path, title string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			link := "/" + title + "/waffenruhe.html"
			if title == "kurier" && moved {
				link = "/" + title + "/waffenruhe-neu.html"
			}
			items := fmt.Sprintf(`<item><title>%[1]s: Waffenruhe in Idlib</title><link>%[2]s</link><description>Syrien</description></item>`, title, link)
			if title == "bote" && extra {
				items += `<item><title>Waffenruhe, Terrorzellen</title><link>/extra/waffenruhe.html</link><description>Syrien</description></item>`
			}
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>%s</channel></rss>`, title, items)
		})
	}
	feed("/kurier.xml", "kurier")
	feed("/bote.xml", "bote")
	mux.HandleFunc("/kurier/waffenruhe-neu.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Waffenruhe in Idlib gebrochen", "Berlin (dpa) –", wire, "Mehr zum Thema lesen Sie in unserem Newsblog.")))
	})
	mux.HandleFunc("/extra/waffenruhe.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Waffenruhe, Terrorzellen", "Damaskus (dpa) –", wire, "Nach Angaben von Helfern gehören die Terrorzellen im Osten zum IS, der die Waffenruhe nicht anerkennt.")))
	})
	mux.HandleFunc("/anzeiger.xml", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		items := `<item><title>Lehrer protestieren in Syrien</title><link>/anzeiger/lehrer.html</link><description>Syrien</description></item>`
		if third {
			items += `<item><title>Brüchige Waffenruhe in Syrien</title><link>/anzeiger/waffenruhe.html</link><description>Syrien</description></item>`
		}
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>anzeiger</title>%s</channel></rss>`, items)
	})
	mux.HandleFunc("/kurier/waffenruhe.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Waffenruhe in Idlib hält vorerst", "Berlin (dpa) –", wire, "Mehr zum Thema lesen Sie in unserem Newsblog.")))
	})
	mux.HandleFunc("/bote/waffenruhe.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Hilfskonvois erreichen Idlib", "Damaskus (dpa) –", wire, "Mit Material von dpa und AFP.")))
	})
	mux.HandleFunc("/anzeiger/waffenruhe.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Brüchige Waffenruhe in Syrien", "Wien (APA/dpa) –", wire, "Lesen Sie auch: Die wichtigsten Fragen und Antworten.")))
	})
	mux.HandleFunc("/anzeiger/lehrer.html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(page("Lehrer protestieren in Syrien", "Damaskus (AFP) –", other, "Mit Material von AFP.")))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
  - {name: Anzeiger, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote, Anzeiger], keywords: [Syrien, IS]}
`, srv.URL+"/kurier.xml", srv.URL+"/bote.xml", srv.URL+"/anzeiger.xml"))
	slack := e.Slack
	out := e.Once()
	msgs := slack.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d alerts, want 2: the ceasefire (twice reported) and the teachers\n%s", len(msgs), out)
	}
	var story fakeslack.Message
	for _, m := range msgs {
		if strings.Contains(m.Text, "waffenruhe") {
			story = m
		}
	}
	if !strings.Contains(story.BlockText(), ":newspaper: Also reported by <"+srv.URL+"/bote/waffenruhe.html|Bote>") {
		t.Errorf("the story's alert should name the other outlet:\n%s", story.BlockText())
	}
	if !strings.Contains(out, "1 also reported by another outlet") {
		t.Errorf("the summary line should count it:\n%s", out)
	}
	mu.Lock()
	third = true
	mu.Unlock()
	e.Once()
	msgs = slack.Messages()
	if len(msgs) != 3 || msgs[2].ThreadTS != story.TS || !strings.Contains(msgs[2].BlockText(), "Also reported by *Anzeiger*") {
		t.Errorf("a third outlet afterwards should be one reply in the story's thread: %+v", msgs[2:])
	}
	// The first outlet moves its article to a new link with a new
	// headline: a follow-up in the thread, not a new alert.
	mu.Lock()
	moved = true
	mu.Unlock()
	e.Once()
	msgs = slack.Messages()
	if len(msgs) != 4 || msgs[3].ThreadTS != story.TS || !strings.Contains(msgs[3].BlockText(), "headline changed") {
		t.Errorf("the same outlet under a new link with a new headline should be a follow-up: %+v", msgs[3:])
	}
	// Another outlet runs the copy with a paragraph that names the IS,
	// a term the story's alert did not match: an alert of its own.
	mu.Lock()
	extra = true
	mu.Unlock()
	out = e.Once()
	msgs = slack.Messages()
	if len(msgs) != 5 || msgs[4].ThreadTS != "" || !strings.Contains(msgs[4].Text, "/extra/") {
		t.Errorf("a version with a new term should be an alert of its own: %d messages\n%s", len(msgs), out)
	}
}

func newStorySite(t *testing.T) *storySite {
	s := &storySite{articles: map[string]map[string][2]string{}, order: map[string][]string{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if outlet, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".xml"); ok {
			var b strings.Builder
			for _, p := range s.order[outlet] {
				fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><description>Syrien</description></item>`, s.articles[outlet][p][0], p)
			}
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title>%s</channel></rss>`, outlet, b.String())
			return
		}
		for _, arts := range s.articles {
			if a, ok := arts[r.URL.Path]; ok {
				fmt.Fprintf(w, `<!DOCTYPE html><html lang="de"><head><title>%[1]s</title></head><body><nav><a href="/">Start</a></nav><article><h1>%[1]s</h1><p>%[2]s</p></article><footer>Impressum</footer></body></html>`, a[0], a[1])
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// storySite is a news site of outlets, each with a feed listing its
// articles (path → headline and text); set adds or changes an article.
type storySite struct {
	mu       sync.Mutex
	srv      *httptest.Server
	articles map[string]map[string][2]string // outlet → path → headline, text
	order    map[string][]string
}

func (s *storySite) set(outlet, path, headline, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.articles[outlet] == nil {
		s.articles[outlet] = map[string][2]string{}
	}
	if _, ok := s.articles[outlet][path]; !ok {
		s.order[outlet] = append(s.order[outlet], path)
	}
	s.articles[outlet][path] = [2]string{headline, text}
}

// A story's versions are stories too: an outlet whose version resembles
// only another outlet's version (not the first alert's text) is folded
// into the story, and a second article of an outlet the story already
// names is seen without another reply.
func TestStoryThroughAVersion(t *testing.T) {
	site := newStorySite(t)
	words := strings.Fields(wireCopy)
	chronik := "Damaskus (AFP) – " + strings.Join(words[:35], " ") + " " + background
	bote := "Ankara (dpa) – " + wireCopy + " " + background
	// The premise: the third version tells the story of the second, not
	// of the first alert's text.
	sig := func(s string) story.Signature { return story.SignWords(story.Words(s)) }
	if story.Same(sig(chronik), sig("Berlin (dpa) – "+wireCopy)) || !story.Same(sig(chronik), sig(bote)) {
		t.Fatal("the test's texts do not make a chain")
	}
	site.set("kurier", "/kurier/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", "Berlin (dpa) – "+wireCopy)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
  - {name: Chronik, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote, Chronik], keywords: [Syrien]}
`, site.srv.URL+"/kurier.xml", site.srv.URL+"/bote.xml", site.srv.URL+"/chronik.xml"))
	e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d alerts, want 1", len(msgs))
	}
	first := msgs[0]
	site.set("bote", "/bote/hintergrund.html", "Waffenruhe und die Not in Idlib", bote)
	e.Once()
	site.set("chronik", "/chronik/idlib.html", "Leben in den Lagern von Idlib", chronik)
	out := e.Once()
	msgs = e.Slack.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want the alert and two replies\n%s", len(msgs), out)
	}
	for i, want := range []string{"Also reported by *Bote*", "Also reported by *Chronik*"} {
		if m := msgs[i+1]; m.ThreadTS != first.TS || !strings.Contains(m.BlockText(), want) {
			t.Errorf("message %d should be a reply %q in the story's thread: %+v", i+2, want, m)
		}
	}
	// The Bote runs the story again under another link, lightly edited.
	site.set("bote", "/bote/waffenruhe-update.html", "Waffenruhe in Idlib: Lage bleibt angespannt", strings.Replace(bote, "Ankara (dpa) –", "Ankara (dpa/AFP) –", 1))
	out = e.Once()
	if n := len(e.Slack.Messages()); n != 3 {
		t.Errorf("a second article of an outlet the story names made %d more messages\n%s", n-3, out)
	}
}

// The same text under another link of the site (a print version, an
// article moved without a redirect) is the same article, even with the
// same-story check off and a new headline: a reply at most, never a new
// alert.
func TestSameTextUnderAnotherLink(t *testing.T) {
	site := newStorySite(t)
	text := "Berlin (dpa) – " + wireCopy + " " + background
	site.set("kurier", "/kurier/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", text)
	e := testenv.Bare(t, fmt.Sprintf(`
story_window: 0s
sources:
  - {name: Kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier], keywords: [Syrien]}
`, site.srv.URL+"/kurier.xml"))
	e.Once()
	site.set("kurier", "/kurier/druck/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", text)
	out := e.Once()
	if n := len(e.Slack.Messages()); n != 1 {
		t.Fatalf("the same text under a print link made %d messages, want the one alert\n%s", n, out)
	}
	site.set("kurier", "/kurier/2/waffenruhe.html", "Waffenruhe in Idlib gebrochen", text)
	out = e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS || !strings.Contains(msgs[1].BlockText(), "headline changed") {
		t.Fatalf("the same text under a new link and headline should be one reply in the thread: %d messages\n%s", len(msgs), out)
	}
	// Another site running the very same text is another outlet, not the
	// same article: with the story check off, an alert of its own.
	site.set("bote", "/bote/waffenruhe.html", "Waffenruhe in Idlib", text)
	e.Edit("  - {name: Kurier, url:", fmt.Sprintf("  - {name: Bote, url: %q}\n  - {name: Kurier, url:", strings.Replace(site.srv.URL, "127.0.0.1", "localhost", 1)+"/bote.xml"))
	e.Edit("sources: [Kurier]", "sources: [Kurier, Bote]")
	out = e.Once()
	if msgs := e.Slack.Messages(); len(msgs) != 3 || msgs[2].ThreadTS != "" {
		t.Errorf("another host's copy with the story check off should be an alert: %d messages\n%s", len(msgs), out)
	}
}

// A story names each outlet once: another article of the first alert's
// outlet that resembles only another outlet's version, or another article
// of an outlet already named, posts nothing.
func TestStoryNamesEachOutletOnce(t *testing.T) {
	site := newStorySite(t)
	words := strings.Fields(wireCopy)
	bote := "Ankara (dpa) – " + wireCopy + " " + background
	site.set("kurier", "/kurier/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", "Berlin (dpa) – "+wireCopy)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote], keywords: [Syrien]}
`, site.srv.URL+"/kurier.xml", site.srv.URL+"/bote.xml"))
	e.Once()
	site.set("bote", "/bote/hintergrund.html", "Waffenruhe und die Not in Idlib", bote)
	e.Once()
	if n := len(e.Slack.Messages()); n != 2 {
		t.Fatalf("%d messages, want the alert and the Bote's reply", n)
	}
	site.set("kurier", "/kurier/lager.html", "Leben in den Lagern von Idlib", "Damaskus (AFP) – "+strings.Join(words[:35], " ")+" "+background)
	out := e.Once()
	site.set("bote", "/bote/kurz.html", "Waffenruhe in Idlib", "Bonn (dpa) – "+wireCopy)
	out += e.Once()
	if msgs := e.Slack.Messages(); len(msgs) != 2 {
		for _, m := range msgs[2:] {
			t.Errorf("posted: %.200s", m.BlockText())
		}
		t.Log(out)
	}
}

// Only an alert that is posted costs a model's summary: not another
// outlet's version (even one that resembles only a version found in the
// same check), nor a print copy of an article seen before.
func TestNoModelSummaryForFoldedArticles(t *testing.T) {
	var calls atomic.Int64
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"choices":[{"message":{"role":"assistant","content":"Im Nordwesten von Syrien gilt eine Waffenruhe."}}]}`)
	}))
	defer llm.Close()
	site := newStorySite(t)
	words := strings.Fields(wireCopy)
	bote := "Ankara (dpa) – " + wireCopy + " " + background
	site.set("kurier", "/kurier/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", "Berlin (dpa) – "+wireCopy)
	e := testenv.Bare(t, fmt.Sprintf(`
summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test}
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
  - {name: Chronik, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote, Chronik], keywords: [Syrien]}
`, llm.URL+"/v1", site.srv.URL+"/kurier.xml", site.srv.URL+"/bote.xml", site.srv.URL+"/chronik.xml"))
	e.Once()
	site.set("bote", "/bote/hintergrund.html", "Waffenruhe und die Not in Idlib", bote)
	site.set("chronik", "/chronik/idlib.html", "Leben in den Lagern von Idlib", "Damaskus (AFP) – "+strings.Join(words[:35], " ")+" "+background)
	e.Once()
	site.set("bote", "/bote/druck/hintergrund.html", "Waffenruhe und die Not in Idlib", bote)
	out := e.Once()
	if n := calls.Load(); n != 1 {
		t.Errorf("%d model summaries for one story, want 1\n%s", n, out)
	}
	if n := len(e.Slack.Messages()); n != 3 {
		t.Errorf("%d messages, want the alert and two replies", n)
	}
}

// Two outlets' own write-ups of one event (their own words, the same
// facts and names) are one story: the second is a reply in the first's
// thread. A story on the same topic about something else is an alert of
// its own.
func TestOwnWriteUpsOfOneEvent(t *testing.T) {
	site := newStorySite(t)
	site.set("kurier", "/kurier/konvois.html", "Waffenruhe in Idlib: Hilfskonvois erreichen den Nordwesten Syriens",
		"Seit Sonntag gilt im Nordwesten Syriens eine Waffenruhe, und sie hält bislang. Am Montagmorgen erreichten die ersten Hilfskonvois "+
			"mit Lebensmitteln, Medikamenten und Winterkleidung den Grenzübergang Bab al-Hawa. Die Vereinten Nationen sprechen von mehr als "+
			"einer Million Menschen in der Provinz Idlib, die auf Hilfe angewiesen sind, viele von ihnen in überfüllten Zeltlagern. "+
			"Russland und die Türkei hatten die Waffenruhe nach tagelangen Verhandlungen in Ankara ausgehandelt. Beobachter bezweifeln, "+
			"dass sie lange hält: Schon im vergangenen Frühjahr war eine ähnliche Vereinbarung nach wenigen Wochen gescheitert. "+
			"Hilfsorganisationen fordern deshalb, weitere Grenzübergänge dauerhaft zu öffnen, damit die Versorgung nicht von einem "+
			"einzigen Übergang abhängt.")
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote], keywords: [Idlib]}
`, site.srv.URL+"/kurier.xml", site.srv.URL+"/bote.xml"))
	e.Once()
	site.set("bote", "/bote/idlib.html", "Hilfskonvois rollen nach Idlib – Waffenruhe hält vorerst",
		"Die Waffenruhe im Nordwesten Syriens hält vorerst. Über den Grenzübergang Bab al-Hawa rollten am Montag die ersten Lastwagen "+
			"mit Medikamenten, Lebensmitteln und Decken in die Provinz Idlib, berichten Helfer vor Ort. Nach Angaben der Vereinten Nationen "+
			"sind dort mehr als eine Million Menschen auf Hilfe angewiesen. Ausgehandelt hatten die Feuerpause Russland und die Türkei bei "+
			"Verhandlungen in Ankara. Ob sie hält, ist offen; eine ähnliche Vereinbarung war im Frühjahr gescheitert. Die Hilfsorganisationen "+
			"verlangen zusätzliche Grenzübergänge, die dauerhaft geöffnet bleiben, und sichere Wege für die Versorgung der Zeltlager.")
	site.set("bote", "/bote/lehrer.html", "Idlib: Lehrer protestieren gegen ausbleibende Gehälter",
		"In der Provinz Idlib haben am Dienstag Hunderte Lehrerinnen und Lehrer gegen ausbleibende Gehälter demonstriert. Viele Schulen "+
			"blieben geschlossen, weil internationale Geldgeber ihre Zusagen für das Bildungswesen gekürzt haben. Die Lehrkräfte unterrichten "+
			"seit Monaten ohne Bezahlung, oft in provisorischen Klassenräumen ohne Heizung und ohne Bücher. Eltern berichten, dass ihre Kinder "+
			"inzwischen auf Märkten arbeiten, um die Familien zu unterstützen. Das Kinderhilfswerk der Vereinten Nationen warnt vor einer "+
			"verlorenen Generation und ruft die Geberländer auf, die Gehälter wenigstens bis zum Sommer zu sichern.")
	out := e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want the alert, the Bote's reply and the teachers' alert\n%s", len(msgs), out)
	}
	var reply, teachers bool
	for _, m := range msgs[1:] {
		reply = reply || m.ThreadTS == msgs[0].TS && strings.Contains(m.BlockText(), "Also reported by *Bote*")
		teachers = teachers || m.ThreadTS == "" && strings.Contains(m.Text, "/bote/lehrer.html")
	}
	if !reply || !teachers {
		t.Errorf("want the Bote's write-up as a reply and the teachers' story as an alert: %+v", msgs[1:])
	}
}

// The wire copy of a story, and background an outlet adds to it.
const (
	wireCopy = "Im Nordwesten von Syrien gilt seit Sonntag eine brüchige Waffenruhe. Hilfsorganisationen hoffen auf sichere Wege in die Provinz Idlib, wo nach Angaben der Vereinten Nationen mehr als eine Million Menschen auf Hilfe angewiesen sind. " +
		"Die ersten Lastwagen mit Lebensmitteln, Decken und Medikamenten erreichten am Montag den Grenzübergang Bab al-Hawa. Beobachter warnen jedoch, dass die Waffenruhe schon in den vergangenen Jahren mehrfach gebrochen worden sei. " +
		"Die Türkei und Russland hatten die Feuerpause nach tagelangen Verhandlungen in Ankara vereinbart und wollen sie mit gemeinsamen Patrouillen überwachen."
	background = "Der Krieg in der Region dauert seit mehr als einem Jahrzehnt an und hat Millionen Menschen aus ihren Dörfern vertrieben. " +
		"Viele von ihnen leben seit Jahren in Zeltlagern entlang der türkischen Grenze, wo es im Winter an Heizmaterial und im Sommer an sauberem Wasser fehlt. " +
		"Ärzte berichten von überfüllten Krankenhäusern, in denen Generatoren den Strom liefern und Verbandsmaterial knapp geworden ist. " +
		"Lehrer unterrichten Kinder in provisorischen Klassenräumen, oft ohne Bücher und ohne Bezahlung, weil internationale Geldgeber ihre Zusagen gekürzt haben. " +
		"Händler auf den Märkten von Sarmada klagen über Preise, die sich binnen eines Jahres verdoppelt haben, während die Währung weiter an Wert verliert. " +
		"Die Vereinten Nationen hatten im Frühjahr gewarnt, ihre Lager mit Nahrungsmitteln reichten nur noch für wenige Wochen. " +
		"Bauern im Umland fürchten, dass sie ihre Felder auch in diesem Jahr nicht bestellen können, weil Minen und Blindgänger die Äcker unpassierbar machen."
)

// An agency copy is the same story whatever its dateline says: a term of
// the watcher's that stands only in it ("Wien/Damaskus (APA/dpa) –") is
// not news. And an outlet that rewrote the headline and the lead
// paragraph of a story, the rest the same text, runs the same story: a
// reply in its thread, not an alert of its own.
func TestStoryDatelineAndRewrittenLead(t *testing.T) {
	site := newStorySite(t)
	site.set("kurier", "/kurier/waffenruhe.html", "Waffenruhe in Idlib hält vorerst", "Wien (APA) – "+wireCopy+" "+background)
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
  - {name: Chronik, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote, Chronik], keywords: [Idlib, Damaskus]}
`, site.srv.URL+"/kurier.xml", site.srv.URL+"/bote.xml", site.srv.URL+"/chronik.xml"))
	e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d alerts, want 1", len(msgs))
	}
	first := msgs[0]
	site.set("bote", "/bote/waffenruhe.html", "Brüchige Waffenruhe in Idlib", "Wien/Damaskus (APA/dpa) – "+wireCopy+" "+background)
	out := e.Once()
	msgs = e.Slack.Messages()
	if len(msgs) != 2 || msgs[1].ThreadTS != first.TS || !strings.Contains(msgs[1].BlockText(), "Also reported by *Bote*") {
		t.Fatalf("a copy whose only new term is in its dateline should be a reply in the story's thread: %d messages\n%s", len(msgs), out)
	}
	lead := "Die Menschen in der Provinz Idlib schöpfen nach Jahren des Krieges vorsichtig Hoffnung, doch niemand traut dem Frieden. Zu oft wurden Abmachungen gebrochen, sagen Bewohner, die in Zeltlagern an der Grenze ausharren. " +
		"Ein Lehrer erzählt, dass seine Schule dreimal zerstört und dreimal wieder aufgebaut wurde, jedes Mal mit weniger Kindern. Eine Ärztin zählt die Verletzten der letzten Woche auf, bevor sie zu ihrem nächsten Einsatz aufbricht."
	rest := strings.SplitN(wireCopy, ". ", 2)[1]
	site.set("chronik", "/chronik/idlib.html", "Hoffnung in den Lagern", lead+" "+rest+" "+background)
	out = e.Once()
	msgs = e.Slack.Messages()
	if len(msgs) != 3 || msgs[2].ThreadTS != first.TS || !strings.Contains(msgs[2].BlockText(), "Also reported by *Chronik*") {
		t.Errorf("a version with its own headline and lead should be a reply in the story's thread: %d messages\n%s", len(msgs), out)
	}
}

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/newsbot/newsbot/internal/fakeslack"
)

// A publisher that answers conditional requests: newsbot's second check
// of an unchanged feed is a 304 that costs nothing; an article that failed
// with a 503 is tried again on that check all the same; a changed feed is
// read again.
func TestConditionalChecks(t *testing.T) {
	var mu sync.Mutex
	version, items := 1, 1
	var notModified, pageHits atomic.Int64
	pageDown := true
	article := func(i int) string {
		return fmt.Sprintf(`<!DOCTYPE html><html lang="de"><head><title>Meldung %[1]d</title></head><body><article><h1>Meldung %[1]d aus Syrien</h1>
<p>Die Lage in Syrien bleibt nach Angaben der Vereinten Nationen angespannt, berichtet unser Korrespondent in Meldung %[1]d.</p>
<p>Hilfsorganisationen fordern seit Wochen einen sicheren Zugang zu den betroffenen Regionen im Norden des Landes.</p></article></body></html>`, i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/feed.xml" {
			etag := fmt.Sprintf(`"v%d"`, version)
			w.Header().Set("ETag", etag)
			if r.Header.Get("If-None-Match") == etag {
				notModified.Add(1)
				w.WriteHeader(http.StatusNotModified)
				return
			}
			var b strings.Builder
			b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>`)
			for i := 1; i <= items; i++ {
				fmt.Fprintf(&b, `<item><title>Meldung %d aus Syrien</title><link>/a/%d.html</link><description>Meldung %d</description></item>`, i, i, i)
			}
			b.WriteString(`</channel></rss>`)
			w.Write([]byte(b.String()))
			return
		}
		if r.URL.Path == "/a/1.html" {
			pageHits.Add(1)
			if pageDown {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
		}
		var i int
		fmt.Sscanf(r.URL.Path, "/a/%d.html", &i)
		w.Write([]byte(article(i)))
	}))
	defer srv.Close()
	e := bareEnv(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, srv.URL+"/feed.xml"))
	slack := e.slack

	out := e.once()
	if n := len(slack.Messages()); n != 0 || !strings.Contains(out, "will try again") {
		t.Fatalf("while the page answers 503: %d alerts\n%s", n, out)
	}
	mu.Lock()
	pageDown = false
	mu.Unlock()
	out = e.once()
	if notModified.Load() != 1 {
		t.Errorf("the second check made %d conditional hits, want a 304\n%s", notModified.Load(), out)
	}
	if msgs := slack.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].BlockText(), "Die Lage in *Syrien* bleibt") {
		t.Errorf("the held-back article should be alerted from its page on the 304 check: %d alerts\n%s\n%+v", len(msgs), out, msgs)
	}
	out = e.once()
	if notModified.Load() != 2 || len(slack.Messages()) != 1 || strings.Contains(out, "error") && !strings.Contains(out, "0 errors") {
		t.Errorf("an unchanged feed: %d 304s, %d alerts\n%s", notModified.Load(), len(slack.Messages()), out)
	}
	mu.Lock()
	version, items = 2, 2
	mu.Unlock()
	e.once()
	if msgs := slack.Messages(); len(msgs) != 2 || !strings.Contains(msgs[1].Text, "Meldung 2 aus Syrien") {
		t.Errorf("a changed feed: %d alerts, want the new one", len(msgs))
	}
}

// A watcher that begins to read a source the others have read for a
// while reads it in full: with first_run: skip it records what is there
// (no 304 passes for "nothing new"), and then alerts on new items only.
func TestNewReaderOfASource(t *testing.T) {
	var mu sync.Mutex
	items := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		etag := fmt.Sprintf(`"v%d"`, items)
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>`)
		for i := 1; i <= items; i++ {
			fmt.Fprintf(&b, `<item><title>Meldung %d aus Syrien</title><link>/a/%d.html</link><description>Syrien, Meldung %d</description></item>`, i, i, i)
		}
		b.WriteString(`</channel></rss>`)
		w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	e := bareEnv(t, fmt.Sprintf(`
first_run: skip
sources:
  - {name: kurier, url: %q}
watchers:
  - {name: b, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`, srv.URL+"/feed.xml"))
	slack := e.slack
	e.once()
	e.once() // b: a 304
	e.edit("keywords: [Syrien]}\n", "keywords: [Syrien]}\n"+`  - {name: a, schedule: "@hourly", sources: [kurier], keywords: [Syrien]}
`)
	out := e.once()
	if n := len(slack.Messages()); n != 0 || !strings.Contains(out, "recorded without alerts") {
		t.Fatalf("a new watcher with first_run: skip alerted %d times, or did not record the source\n%s", n, out)
	}
	mu.Lock()
	items = 3
	mu.Unlock()
	e.once()
	var got []string
	for _, m := range slack.Messages() {
		got = append(got, m.Text)
	}
	if len(got) != 2 || !strings.Contains(got[0], "/a/3.html") || !strings.Contains(got[1], "/a/3.html") {
		t.Errorf("after one new item: %q; want it alerted once by each watcher, nothing old", got)
	}
}

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
	e := bareEnv(t, fmt.Sprintf(`
sources:
  - {name: Kurier, url: %q}
  - {name: Bote, url: %q}
  - {name: Anzeiger, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [Kurier, Bote, Anzeiger], keywords: [Syrien, IS]}
`, srv.URL+"/kurier.xml", srv.URL+"/bote.xml", srv.URL+"/anzeiger.xml"))
	slack := e.slack
	out := e.once()
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
	e.once()
	msgs = slack.Messages()
	if len(msgs) != 3 || msgs[2].ThreadTS != story.TS || !strings.Contains(msgs[2].BlockText(), "Also reported by *Anzeiger*") {
		t.Errorf("a third outlet afterwards should be one reply in the story's thread: %+v", msgs[2:])
	}
	// The first outlet moves its article to a new link with a new
	// headline: a follow-up in the thread, not a new alert.
	mu.Lock()
	moved = true
	mu.Unlock()
	e.once()
	msgs = slack.Messages()
	if len(msgs) != 4 || msgs[3].ThreadTS != story.TS || !strings.Contains(msgs[3].BlockText(), "headline changed") {
		t.Errorf("the same outlet under a new link with a new headline should be a follow-up: %+v", msgs[3:])
	}
	// Another outlet runs the copy with a paragraph that names the IS,
	// a term the story's alert did not match: an alert of its own.
	mu.Lock()
	extra = true
	mu.Unlock()
	out = e.once()
	msgs = slack.Messages()
	if len(msgs) != 5 || msgs[4].ThreadTS != "" || !strings.Contains(msgs[4].Text, "/extra/") {
		t.Errorf("a version with a new term should be an alert of its own: %d messages\n%s", len(msgs), out)
	}
}

package pipeline_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/newsbot/newsbot/internal/testenv"
)

// Items without a link are each an item of their own: a feed of three
// such items, each mentioning Syrien, makes three alerts, none again on
// the next check, and a fourth when it appears; each alert says it has no
// link of its own and links what there is (the enclosure, else the
// feed's site). Two feeds that give one GUID to different items make two
// alerts.
func TestItemsWithoutLinks(t *testing.T) {
	var mu sync.Mutex
	items := []string{
		`<item><title>Syrien: erste Meldung ohne Link</title><description>In Syrien geschah das Erste.</description></item>`,
		`<item><title>Syrien: zweite Meldung ohne Link</title><description>In Syrien geschah das Zweite.</description></item>`,
		`<item><title>Syrien: dritte Meldung</title><description>In Syrien geschah das Dritte.</description><guid isPermaLink="false">7</guid><enclosure url="https://cdn.kurier.example/3.mp3" type="audio/mpeg" length="1"/></item>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		switch r.URL.Path {
		case "/kurier.xml":
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Kurier</title><link>https://kurier.example/</link>%s</channel></rss>`, strings.Join(items, ""))
		case "/bote.xml":
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Bote</title><link>https://bote.example/</link><item><title>Syrien im Boten</title><description>Der Bote über Syrien.</description><guid isPermaLink="false">7</guid></item></channel></rss>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: kurier, url: %q}
  - {name: bote, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [kurier, bote], keywords: [Syrien]}
`, srv.URL+"/kurier.xml", srv.URL+"/bote.xml"))

	out := e.Once()
	msgs := e.Slack.Messages()
	if len(msgs) != 4 {
		t.Fatalf("%d alerts, want the 3 link-less items and the Bote's\n%s", len(msgs), out)
	}
	var texts []string
	for _, m := range msgs {
		texts = append(texts, m.BlockText())
	}
	all := strings.Join(texts, "\n---\n")
	for _, want := range []string{"erste Meldung ohne Link", "zweite Meldung ohne Link", "dritte Meldung", "Syrien im Boten",
		"no link of its own", "<https://cdn.kurier.example/3.mp3|", "<https://kurier.example/|kurier.example>", "<https://bote.example/|bote.example>"} {
		if !strings.Contains(all, want) {
			t.Errorf("the alerts lack %q:\n%s", want, all)
		}
	}

	e.Once()
	if n := len(e.Slack.Messages()); n != 4 {
		t.Errorf("the next check posted %d more alerts", n-4)
	}
	mu.Lock()
	items = append(items, `<item><title>Syrien: vierte Meldung ohne Link</title><description>In Syrien geschah das Vierte.</description></item>`)
	mu.Unlock()
	e.Once()
	if msgs := e.Slack.Messages(); len(msgs) != 5 || !strings.Contains(msgs[4].BlockText(), "vierte Meldung") {
		t.Errorf("the fourth link-less item: %d alerts", len(msgs))
	}
}

// A document at a feed source that is neither a feed nor an article page
// (an empty one, an obsolete CDF) is the source's error with its reason:
// in the log, in check, in the ops channel (once, after three checks in a
// row) and in /newsbot status; it is never read as a page whose headline
// is the feed's own address.
func TestNotAFeedIsSaid(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/leer.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, "<!-- nothing here yet -->\n")
		case "/alt.cdf":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprint(w, `<?xml version="1.0"?><CHANNEL HREF="http://kurier.example/"><TITLE>Kurier</TITLE><ITEM HREF="http://kurier.example/syrien.html"><TITLE>Syrien</TITLE></ITEM></CHANNEL>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	e := testenv.Bare(t, fmt.Sprintf(`
sources:
  - {name: leer, url: %q}
  - {name: alt, url: %q}
watchers:
  - {name: syrien, schedule: "@hourly", sources: [leer, alt], keywords: [Syrien]}
`, srv.URL+"/leer.xml", srv.URL+"/alt.cdf"))
	e.Edit("pace: 10ms}", `pace: 10ms, ops_channel: "#ops"}`)
	out := e.Once()
	for _, want := range []string{"source=leer", "not a feed: the document is empty", "source=alt", "not a feed: a CDF document"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "(2 failed)") {
		t.Errorf("the run's line does not count the two sources as failed:\n%s", out)
	}
	e.Once()
	e.Once()
	var ops, alerts []string
	for _, m := range e.Slack.Messages() {
		if m.Channel == "#ops" {
			ops = append(ops, m.Text)
		} else {
			alerts = append(alerts, m.Text)
		}
	}
	if len(alerts) != 0 {
		t.Errorf("alerts from documents that are no feeds: %q", alerts)
	}
	if len(ops) != 2 || !strings.Contains(strings.Join(ops, "\n"), "not a feed: the document is empty") {
		t.Errorf("ops heard %q, want one notice a source, with the reason", ops)
	}
	_, _, stderr := e.Newsbot("check", "--config", e.Config, srv.URL+"/leer.xml")
	if !strings.Contains(stderr, "neither an article page nor a feed: the document is empty") {
		t.Errorf("check of the empty document: %s", stderr)
	}
}

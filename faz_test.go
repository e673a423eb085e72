package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/internal/fakeslack"
)

// TestSharedFazFixture runs newsbot on the shared FAZ fixture site
// (../shared/fixtures/faz, the page this project started from) and checks
// what its README says a user expects. It skips where the folder is absent.
func TestSharedFazFixture(t *testing.T) {
	dir := filepath.Join("..", "shared", "fixtures", "faz")
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skip("no ../shared/fixtures/faz")
	}
	routes := map[string]string{
		"/rss/politik.rss.xml": "politik.rss.xml",
		"/aktuell/politik/":    "politik.html",
		"/aktuell/politik/ausland/kreml-amerika-lehnt-mitarbeit-in-info-zentrum-gegen-is-ab-13829961.html": "syrien-kreml-info-zentrum.html",
		"/aktuell/politik/ausland/cdu-traut-boris-johnson-positive-ueberraschung-zu.html":                  "cdu-traut-boris-johnson.html",
		"/aktuell/gesellschaft/amerikas-sommer-der-extreme.html":                                           "amerikas-sommer-der-extreme.html",
		"/en/this-is-how-cities-cool-down.html":                                                            "this-is-how-cities-cool-down.html",
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		file, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if strings.HasSuffix(file, ".xml") {
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(strings.ReplaceAll(string(b), "{{BASE}}", srv.URL)))
	}))
	defer srv.Close()
	slack := fakeslack.New(t)

	cfg := strings.NewReplacer("{{DB}}", filepath.Join(t.TempDir(), "n.db"), "{{SLACK}}", slack.APIURL(), "{{BASE}}", srv.URL).Replace(`
storage: {{DB}}
first_run: alert
slack: {token: xoxb-t, api_url: "{{SLACK}}", channel: "#news"}
http: {host_interval: 0s}
sources:
  - {name: faz, url: "{{BASE}}/rss/politik.rss.xml"}
  - {name: faz-politik, url: "{{BASE}}/aktuell/politik/", links: "a.js-hlp"}
watchers:
  - {name: nahost, schedule: "*/5 * * * *", sources: [faz, faz-politik], keywords: [Syrien, IS], channel: "#nahost"}
  - {name: johnson, schedule: "*/5 * * * *", sources: [faz, faz-politik], keywords: [Boris Johnson], channel: "#uk"}
`)
	path := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(path, []byte(cfg), 0o644)
	e := &env{t: t, config: path}
	out := e.once()

	got := map[string][]string{}
	for _, m := range slack.Messages() {
		got[m.Channel] = append(got[m.Channel], m.BlockText())
	}
	syria := srv.URL + "/aktuell/politik/ausland/kreml-amerika-lehnt-mitarbeit-in-info-zentrum-gegen-is-ab-13829961.html"
	johnson := srv.URL + "/aktuell/politik/ausland/cdu-traut-boris-johnson-positive-ueberraschung-zu.html"
	if len(got["#nahost"]) != 1 || !strings.Contains(got["#nahost"][0], "<"+syria+"|") {
		t.Fatalf("#nahost got %d alerts, want the Syria article once (its utm link is the same article):\n%s\n%s", len(got["#nahost"]), got["#nahost"], out)
	}
	if len(got["#uk"]) != 1 || !strings.Contains(got["#uk"][0], "<"+johnson+"|") {
		t.Fatalf("#uk got %q, want the Johnson article once", got["#uk"])
	}
	for _, c := range []string{"Boris Johnson", "Weitere Themen", "Topmeldungen", "Newsletter", "Impressum"} {
		if strings.Contains(got["#nahost"][0], c) {
			t.Errorf("the Syria alert carries %q:\n%s", c, got["#nahost"][0])
		}
	}
	if !strings.Contains(got["#nahost"][0], "Am Montagabend hatten sich Wladimir Putin und Barack Obama") {
		t.Errorf("the Syria alert's summary should start from the teaser:\n%s", got["#nahost"][0])
	}
}

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/testenv"
)

// The command line's habits, as a newcomer tries them: each command's
// own help, --version, a URL without its scheme, a watcher name that is
// not there, plurals.
func TestCommandLineHabits(t *testing.T) {
	e := &testenv.Env{T: t}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`sources: [{name: a, url: "https://example.org/feed"}]
watchers:
  - {name: nahost, schedule: "@hourly", sources: [a], keywords: [Syrien], channel: "#c"}
  - {name: wirtschaft, schedule: "@hourly", sources: [a], keywords: [Inflation], channel: "#c"}
`), 0o644)

	for _, args := range [][]string{{"once", "-h"}, {"once", "--help"}, {"help", "once"}} {
		code, _, stderr := e.Newsbot(args...)
		if code != 0 || !strings.HasPrefix(stderr, "Usage: newsbot once [--config FILE]") ||
			!strings.Contains(stderr, "-timeout duration") || strings.Contains(stderr, "newsbot scan") {
			t.Errorf("newsbot %s: exit %d, want once's own usage and flags:\n%s", strings.Join(args, " "), code, stderr)
		}
	}
	if code, _, stderr := e.Newsbot("check", "-h"); code != 0 || !strings.Contains(stderr, "-json") || strings.Contains(stderr, "-timeout") {
		t.Errorf("check -h: exit %d, want check's flags only:\n%s", code, stderr)
	}
	// A wrong flag says so, with the command's usage, and exits 2.
	if code, _, stderr := e.Newsbot("validate", "--watcher", "x"); code != 2 ||
		!strings.Contains(stderr, "flag provided but not defined: -watcher") || !strings.Contains(stderr, "Usage: newsbot validate") {
		t.Errorf("validate --watcher: exit %d\n%s", code, stderr)
	}

	for _, flag := range []string{"--version", "-version"} {
		if code, stdout, _ := e.Newsbot(flag); code != 0 || !versionLine.MatchString(strings.SplitN(stdout, "\n", 2)[0]) {
			t.Errorf("newsbot %s: exit %d, %q", flag, code, stdout)
		}
	}

	code, _, stderr := e.Newsbot("check", "--config", cfg, "www.example.com/politik/x.html")
	if code != 1 || !strings.Contains(stderr, "give its URL with the scheme: https://www.example.com/politik/x.html") {
		t.Errorf("check without a scheme: exit %d, want a hint at https://:\n%s", code, stderr)
	}

	code, _, stderr = e.Newsbot("once", "--config", cfg, "--watcher", "nahots")
	if code != 2 || !strings.Contains(stderr, `no such watcher: "nahots" (the config has "nahost", "wirtschaft")`) {
		t.Errorf("once --watcher nahots: exit %d, want the known names:\n%s", code, stderr)
	}
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="de"><body><article><h1>Syrien</h1><p>In Syrien ist die Lage angespannt, sagen Beobachter seit Wochen.</p></article></body></html>`), 0o644)
	code, _, stderr = e.Newsbot("scan", "--config", cfg, "--watcher", "nahots", page)
	if code != 2 || !strings.Contains(stderr, `"nahots" (the config has "nahost", "wirtschaft")`) {
		t.Errorf("scan --watcher nahots: exit %d, want the known names:\n%s", code, stderr)
	}
	code, _, stderr = e.Newsbot("scan", "--config", cfg, page)
	if code != 0 || !strings.Contains(stderr, "newsbot: 1 file scanned, 1 match, 0 unreadable") {
		t.Errorf("scan of one file: exit %d, want the count in the singular:\n%s", code, stderr)
	}
}

// validate says every problem of a watcher in one pass, and what may be
// a mistake as a warning that does not fail it: a ${VAR} not set (but
// for a token, whose absence newsbot says itself), a mention_on term the
// watcher does not have.
func TestValidateWarnings(t *testing.T) {
	e := &testenv.Env{T: t}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`slack:
  channel: "#news"
  token: ${NEWSBOT_E2E_NEVER_SET_TOKEN}
http: {user_agent: "newsbot (+https://${NEWSBOT_E2E_NEVER_SET}/bot)"}
sources: [{name: a, url: "https://example.org/feed"}]
watchers:
  - name: nahost
    schedule: "@hourly"
    sources: [a]
    keywords: [Syrien]
    query: Assad NEAR/5 Damaskus
    mention: [U123]
    mention_on: [syrien, Assad]
`), 0o644)
	code, stdout, stderr := e.Newsbot("validate", "--config", cfg)
	if code != 0 || stdout != cfg+": ok (1 source, 1 watcher, 2 warnings on stderr)\n" {
		t.Errorf("validate: exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{
		cfg + `:4:20: http.user_agent: warning: ${NEWSBOT_E2E_NEVER_SET} is not set in the environment: the value is empty`,
		cfg + `:13:18: watchers[nahost].mention_on[0]: warning: "syrien" is none of the watcher's terms (Syrien, Assad, Damaskus): no alert notifies for it`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("validate's warnings lack %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "Assad\" is none") {
		t.Errorf("a term of the query is warned of:\n%s", stderr)
	}
	// No token is a choice newsbot says when it starts: not warned of.
	if strings.Contains(stderr, "NEVER_SET_TOKEN") {
		t.Errorf("an unset token is warned of:\n%s", stderr)
	}

	// Every problem of one watcher, the query's too, though its keywords
	// are already wrong.
	os.WriteFile(cfg, []byte(`slack: {channel: "#news"}
sources: [{name: a, url: "https://example.org/feed"}]
watchers:
  - name: nahost
    schedule: "*/5 * * *"
    sources: [a, spigel]
    keywords: ["Assad*x"]
    query: 'Syrien AND ((Idlib)'
    forms: [fr]
`), 0o644)
	code, _, stderr = e.Newsbot("validate", "--config", cfg)
	for _, want := range []string{
		":5:15: watchers[nahost].schedule: invalid schedule",
		":6:18: watchers[nahost].sources[1]: unknown source \"spigel\"",
		":7:16: watchers[nahost].keywords[0]: keyword \"Assad*x\"",
		":8:12: watchers[nahost].query: unbalanced parenthesis",
		":9:13: watchers[nahost].forms[0]: must be de or en",
	} {
		if code != 1 || !strings.Contains(stderr, cfg+want) {
			t.Errorf("validate: exit %d, lacks %q:\n%s", code, want, stderr)
		}
	}
}

// A watcher that stems in the article's language, on an article in a
// language it has no stemmer for, matches as written, and check says why.
func TestCheckSaysStemNeedsLang(t *testing.T) {
	e := &testenv.Env{T: t}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`sources: [{name: a, url: "https://example.org/feed"}]
watchers:
  - {name: nahost, schedule: "@hourly", sources: [a], keywords: [Syrien], stem: true, channel: "#c"}
  - {name: fixed, schedule: "@hourly", sources: [a], keywords: [Syrien], stem: true, lang: de, channel: "#c"}
`), 0o644)
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="fr"><body><article><h1>Les Syriens fuient Idlib</h1><p>Des milliers de Syriens fuient vers la frontière turque, selon les observateurs sur place.</p></article></body></html>`), 0o644)
	code, stdout, stderr := e.Newsbot("check", "--config", cfg, "--json", page)
	var res app.CheckResult
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil {
		t.Fatalf("check: exit %d, %v\n%s", code, err, stderr)
	}
	if res.Lang != "fr" {
		t.Fatalf("the page's language is %q, want fr", res.Lang)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "watcher nahost: stem: true stems in the article's language, and there is no stemmer for the article's language (fr)") ||
		!strings.Contains(res.Notes[0], "set lang: de") {
		t.Errorf("notes = %q, want one for nahost that names lang:", res.Notes)
	}
	// With lang: de, the stem finds Syriens.
	if len(res.Matches) != 1 || res.Matches[0].Watcher != "fixed" {
		t.Errorf("matches = %+v, want fixed's only", res.Matches)
	}
}

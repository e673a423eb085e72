// Package testenv runs the newsbot command for tests as a user runs it:
// on a config of its own (the project's test site, testdata/site, or a
// test's own news site), with a fake Slack, a store in a temporary folder,
// and either the command in the test's process (app.Main) or the built
// binary (Build, Binary) for the tests that need a process of its own.
package testenv

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the store, looked at by tests

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
)

// Config is the tests' config on the project's test site: three sources
// and four watchers. {{FIRST_RUN}}, {{TOKEN}}, {{DB}}, {{SLACK}} and
// {{BASE}} are filled in by New.
const Config = `
storage: {{DB}}
first_run: {{FIRST_RUN}}
timezone: Europe/Berlin
slack:
  token: {{TOKEN}}
  api_url: {{SLACK}}
  channel: "#news"
  pace: 10ms
http:
  host_interval: 0s   # one local host serves everything; pacing has its own test
sources:
  - name: rundschau
    url: {{BASE}}/rss/politik.xml
  - name: rundschau-politik
    url: {{BASE}}/politik/
    links: "a.js-hlp"
  - name: world
    url: {{BASE}}/atom/world.xml
watchers:
  - name: nahost
    schedule: "*/5 * * * *"
    sources: [rundschau, rundschau-politik, world]
    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"
  - name: macron
    schedule: "@every 10m"
    sources: [rundschau, rundschau-politik]
    keywords: [Emmanuel Macron, Macron]
  - name: liga
    schedule: "@hourly"
    sources: [rundschau]
    keywords: [Bundesliga]
  - name: duerre
    schedule: "@hourly"
    sources: [rundschau, rundschau-politik]
    keywords: [Dürre]
    exclude: [Fußball]
    channel: "#klima"
`

// Binary, when set, is the newsbot binary the Envs run (see Build);
// otherwise they run app.Main in the test's process.
var Binary string

// Env is a config of the tests', its news site and its fake Slack.
type Env struct {
	T      *testing.T
	Site   *testsite.Site
	Slack  *fakeslack.Server
	Config string // the config file's path
}

// New is an Env on the project's test site, with Config.
func New(t *testing.T, firstRun string, token string) *Env {
	t.Helper()
	e := &Env{T: t, Site: testsite.Serve(t, filepath.Join(Root(), "testdata", "site")), Slack: fakeslack.New(t)}
	cfg := strings.NewReplacer(
		"{{DB}}", filepath.Join(t.TempDir(), "newsbot.db"),
		"{{FIRST_RUN}}", firstRun,
		"{{TOKEN}}", token,
		"{{SLACK}}", e.Slack.APIURL(),
		"{{BASE}}", e.Site.URL,
	).Replace(Config)
	e.Config = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(e.Config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

// Bare is an Env for a test's own news site: a config with a store in a
// temporary folder, a fake Slack (its "#c" channel, 10 ms apart), no
// pause between requests to a host, and first_run: alert, followed by
// body (sources and watchers, and any other key).
func Bare(t *testing.T, body string) *Env {
	t.Helper()
	slack := fakeslack.New(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	head := fmt.Sprintf("storage: %s\nslack: {token: xoxb-c, api_url: %q, channel: \"#c\", pace: 10ms}\nhttp: {host_interval: 0s}\n",
		filepath.Join(dir, "newsbot.db"), slack.APIURL())
	if !strings.Contains(body, "first_run:") {
		head += "first_run: alert\n"
	}
	if err := os.WriteFile(cfg, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Slack: slack, Config: cfg}
}

// Newsbot runs the command and returns its exit code, stdout and stderr.
func (e *Env) Newsbot(args ...string) (int, string, string) {
	e.T.Helper()
	var stdout, stderr bytes.Buffer
	if Binary == "" {
		code := app.Main(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	cmd := exec.Command(Binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		e.T.Fatalf("newsbot %s: %v", strings.Join(args, " "), err)
	}
	return 0, stdout.String(), stderr.String()
}

// Once runs newsbot once on the Env's config, with args, and returns
// what it printed; the test fails when it exits other than 0.
func (e *Env) Once(args ...string) string {
	e.T.Helper()
	return e.once(0, args)
}

// Undelivered is Once for a run that leaves alerts pending or parks
// some: the test fails unless it exits app.ExitUndelivered.
func (e *Env) Undelivered(args ...string) string {
	e.T.Helper()
	return e.once(app.ExitUndelivered, args)
}

func (e *Env) once(want int, args []string) string {
	e.T.Helper()
	code, stdout, stderr := e.Newsbot(append([]string{"once", "--config", e.Config}, args...)...)
	if code != want {
		e.T.Fatalf("newsbot once exited %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
	}
	return stdout + stderr
}

// URL is the test site's URL of p.
func (e *Env) URL(p string) string { return e.Site.URL + p }

// Edit replaces old by new in the config file; a test whose edit finds
// nothing to replace would test the unedited config, so it fails.
func (e *Env) Edit(old, new string) string {
	e.T.Helper()
	b, err := os.ReadFile(e.Config)
	if err != nil {
		e.T.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		e.T.Fatalf("config has no %q to edit", old)
	}
	c := strings.Replace(string(b), old, new, 1)
	if err := os.WriteFile(e.Config, []byte(c), 0o644); err != nil {
		e.T.Fatal(err)
	}
	return c
}

// Store opens the Env's store file with database/sql, to look at it or
// to forge what time or a crash would leave.
func (e *Env) Store() *sql.DB {
	e.T.Helper()
	b, err := os.ReadFile(e.Config)
	if err != nil {
		e.T.Fatal(err)
	}
	db, err := sql.Open("sqlite", regexp.MustCompile(`storage: (.*)`).FindStringSubmatch(string(b))[1])
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(func() { db.Close() })
	return db
}

// File is a file of the project's test site.
func (e *Env) File(p string) string {
	e.T.Helper()
	b, err := os.ReadFile(filepath.Join(Root(), "testdata", "site", p))
	if err != nil {
		e.T.Fatal(err)
	}
	return string(b)
}

// SetDigestDue makes the watcher's last digest a day older, as if time
// had passed.
func (e *Env) SetDigestDue(watcher string) {
	e.T.Helper()
	res, err := e.Store().Exec(`UPDATE digests SET last_at = last_at - 86400 - 60 WHERE watcher = ?`, watcher)
	if err != nil {
		e.T.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		e.T.Fatalf("no digest row for %s", watcher)
	}
}

// Chrome are phrases of the test site's pages' chrome that must never
// reach an alert (testdata/site/README.md lists them).
var Chrome = []string{
	"Weitere Themen", "Topmeldungen", "Newsletter", "Leserkommentare", "Most read",
	"More from Europe", "Impressum", "Datenschutz", "Rundschau-Morgenbrief", "Ihre E-Mail-Adresse",
	"Alle Rechte vorbehalten", "Streiktag gegen Macrons Rentenpläne",
	"Dürre am Rhein", "Bundesliga", "Trainerwechsel", "Hanne K.",
}

// Root is the repository's folder.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build builds the newsbot command into dir, with the race detector when
// the tests run with it, and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "newsbot")
	args := []string{"build", "-o", bin}
	if race {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = Root()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
}

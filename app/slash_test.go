package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/fakeslack"
	"github.com/newsbot/newsbot/internal/testsite"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slashDaemon runs a daemon whose config has the signing secret and,
// when appToken is set, Socket Mode; it returns the daemon once its app
// is open.
func slashDaemon(t *testing.T, appToken string, reload ...chan os.Signal) (*Daemon, *testsite.Site, *fakeslack.Server, *lockedBuffer) {
	t.Helper()
	site := testsite.Serve(t, "../testdata/site")
	slack := fakeslack.New(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	appKey := ""
	if appToken != "" {
		appKey = ", app_token: " + appToken
	}
	cfg := testConfig(dir, slack, site, "@hourly", ", signing_secret: "+testSecret+appKey, `, listen: "127.0.0.1:0"`)
	os.WriteFile(path, []byte(cfg), 0o644)
	var logs lockedBuffer
	// The test's pages are on loopback: they count as public here, so
	// that /newsbot check reads them.
	d := &Daemon{Path: path, Options: Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Public: func(netip.Addr) bool { return true }},
		Stderr: io.Discard, Poll: time.Hour}
	if len(reload) > 0 {
		d.Reload = reload[0]
	}
	runDaemon(t, d)
	return d, site, slack, &logs
}

// signed is a slash command request as Slack sends it, signed with
// secret at the time given.
func signed(t *testing.T, endpoint, secret string, at time.Time, form url.Values) *http.Request {
	t.Helper()
	req, err := fakeslack.SignedCommand(endpoint, secret, at, form)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// POST /slack/commands answers a request signed with the signing
// secret, and refuses with 401 one unsigned, wrongly signed, tampered
// with, or older than 5 minutes.
func TestSlashCommandsOverHTTP(t *testing.T) {
	d, _, slack, logs := slashDaemon(t, "")
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	endpoint := srv.URL + "/slack/commands"
	form := url.Values{"command": {"/newsbot"}, "text": {"status"}, "user_id": {"U1"}, "user_name": {"anna"},
		"channel_id": {"C1"}, "response_url": {slack.ResponseURL("1")}}
	do := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	code, body := do(signed(t, endpoint, testSecret, time.Now(), form))
	var m struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	json.Unmarshal([]byte(body), &m)
	if code != http.StatusOK || m.ResponseType != "ephemeral" || !strings.Contains(m.Text, "*nahost* `@hourly` → #news") {
		t.Errorf("a signed status: %d %s", code, body)
	}

	unsigned, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	unsigned.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tampered := signed(t, endpoint, testSecret, time.Now(), form)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(form.Encode(), "status", "mute+nahost+30d", 1)))
	tampered.ContentLength = -1
	for name, req := range map[string]*http.Request{
		"unsigned":        unsigned,
		"wrong secret":    signed(t, endpoint, "not-the-secret", time.Now(), form),
		"tampered with":   tampered,
		"6 minutes old":   signed(t, endpoint, testSecret, time.Now().Add(-6*time.Minute), form),
		"6 minutes ahead": signed(t, endpoint, testSecret, time.Now().Add(6*time.Minute), form),
	} {
		if code, body := do(req); code != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", name, code, body)
		}
	}
	if mutes, _ := d.app.Load().store.Mutes(context.Background()); len(mutes) != 0 {
		t.Errorf("a refused request muted a watcher: %v", mutes)
	}
	for _, want := range []string{"reason=\"not signed\"", "reason=\"wrong signature\"", "reason=\"more than 5 minutes old"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %s", want)
		}
	}
	if code, _ := do(signed(t, endpoint, testSecret, time.Now().Add(-4*time.Minute), form)); code != http.StatusOK {
		t.Errorf("a request 4 minutes old: %d, want 200", code)
	}
}

// A command that takes longer than Slack waits is acknowledged at once,
// empty, and answered on the response URL.
func TestSlowSlashCommandAnsweredLater(t *testing.T) {
	d, site, slack, _ := slashDaemon(t, "")
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Second)
		fmt.Fprint(w, `<html><body><article><h1>Waffenruhe in Syrien</h1><p>Die Waffenruhe in Syrien hält seit drei Tagen, berichten Beobachter vor Ort.</p></article></body></html>`)
	}))
	defer slow.Close()
	_ = site
	form := url.Values{"command": {"/newsbot"}, "text": {"check " + slow.URL + "/a.html"}, "user_id": {"U1"}, "response_url": {slack.ResponseURL("slow")}}
	start := time.Now()
	resp, err := http.DefaultClient.Do(signed(t, srv.URL+"/slack/commands", testSecret, time.Now(), form))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if took := time.Since(start); resp.StatusCode != http.StatusOK || len(b) != 0 || took > 2900*time.Millisecond {
		t.Errorf("the acknowledgement: %d %q after %v; want an empty 200 within Slack's 3 s", resp.StatusCode, b, took)
	}
	waitFor(t, "the answer on the response URL", func() bool { return len(slack.Responses()) == 1 })
	r := slack.Responses()[0]
	if r.ID != "slow" || r.ResponseType != "ephemeral" || !strings.Contains(r.Text, "Title:  Waffenruhe in Syrien") || !strings.Contains(r.Text, "Watcher nahost matches: Syrien") {
		t.Errorf("the answer: %+v", r)
	}
}

// Without a signing secret the endpoint is off.
func TestSlashCommandsOffWithoutSecret(t *testing.T) {
	a, _, _ := newTestApp(t, "@hourly")
	d := &Daemon{metrics: NewMetrics()}
	d.app.Store(a)
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	resp, err := http.PostForm(srv.URL+"/slack/commands", url.Values{"text": {"status"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("without slack.signing_secret: %d, want 404", resp.StatusCode)
	}
}

// Over Socket Mode, newsbot connects with the app-level token and
// acknowledges each command with its answer, or empty and answers on the
// response URL when the answer takes longer.
func TestSlashCommandsOverSocketMode(t *testing.T) {
	d, _, slack, logs := slashDaemon(t, "xapp-1-A0001-test")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	payload, took, err := slack.SlashCommand(ctx, map[string]string{"command": "/newsbot", "text": "mute nahost 1h",
		"user_id": "U7", "user_name": "ben", "channel_id": "C1", "response_url": slack.ResponseURL("m")})
	if err != nil {
		t.Fatalf("%v\nlog:\n%s", err, logs)
	}
	var m struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	json.Unmarshal(payload, &m)
	if m.ResponseType != "in_channel" || !strings.Contains(m.Text, "<@U7> muted *nahost*") || took > 2900*time.Millisecond {
		t.Errorf("the acknowledgement of mute, after %v: %s", took, payload)
	}
	if mutes, _ := d.app.Load().store.Mutes(ctx); mutes["nahost"].By != "<@U7>" {
		t.Errorf("mute over Socket Mode was not stored: %+v", mutes)
	}

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Second)
		fmt.Fprint(w, `<html><body><article><h1>Syrien</h1><p>Ein Bericht über Syrien und die Lage dort, mit genug Text für einen Artikel.</p></article></body></html>`)
	}))
	defer slow.Close()
	payload, took, err = slack.SlashCommand(ctx, map[string]string{"command": "/newsbot", "text": "check " + slow.URL,
		"user_id": "U7", "response_url": slack.ResponseURL("c")})
	if err != nil {
		t.Fatal(err)
	}
	if string(payload) != "null" && string(payload) != "" || took > 2900*time.Millisecond {
		t.Errorf("the acknowledgement of a slow check, after %v: %s; want an empty one", took, payload)
	}
	waitFor(t, "the answer on the response URL", func() bool { return len(slack.Responses()) == 1 })
	if r := slack.Responses()[0]; r.ID != "c" || !strings.Contains(r.Text, "Watcher nahost matches") {
		t.Errorf("the answer: %+v", r)
	}
}

// An app token that Slack refuses is said once in the log, and not tried
// again and again.
func TestSocketModeRefusedToken(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	slack := fakeslack.New(t)
	slack.AppToken = "xapp-the-right-one"
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	os.WriteFile(path, []byte(testConfig(dir, slack, site, "@hourly", ", app_token: xapp-a-wrong-one", "")), 0o644)
	var logs lockedBuffer
	d := &Daemon{Path: path, Options: Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, Stderr: io.Discard, Poll: time.Hour}
	runDaemon(t, d)
	waitFor(t, "the refusal in the log", func() bool { return strings.Contains(logs.String(), "Slack refused slack.app_token") })
	time.Sleep(1500 * time.Millisecond)
	if n := slack.ConnectionsOpened(); n != 1 {
		t.Errorf("apps.connections.open called %d times with a refused token, want once", n)
	}
}

// A command still running when the config is reloaded finishes on the
// app it began on, whose store stays open until it has; the new config
// runs meanwhile.
func TestReloadLetsCommandsFinish(t *testing.T) {
	hup := make(chan os.Signal, 1)
	d, _, slack, _ := slashDaemon(t, "", hup)
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(3 * time.Second)
		fmt.Fprint(w, `<html><body><article><h1>Syrien</h1><p>Ein Bericht über Syrien und die Lage dort, mit genug Text für einen Artikel.</p></article></body></html>`)
	}))
	defer slow.Close()
	old := d.app.Load()
	form := url.Values{"command": {"/newsbot"}, "text": {"check " + slow.URL}, "user_id": {"U1"}, "response_url": {slack.ResponseURL("r")}}
	resp, err := http.DefaultClient.Do(signed(t, srv.URL+"/slack/commands", testSecret, time.Now(), form))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	hup <- os.Interrupt
	start := time.Now()
	waitFor(t, "the reload", func() bool { return d.app.Load() != old && !d.reloading.Load() })
	// The new config runs at once: it does not wait for the command.
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the reload took %v, waiting for a command of the old config", took)
	}
	// The new app answers at once, while the old one's command runs.
	form.Set("text", "help")
	resp, err = http.DefaultClient.Do(signed(t, srv.URL+"/slack/commands", testSecret, time.Now(), form))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "/newsbot status") {
		t.Errorf("help during the reload: %s", b)
	}
	waitFor(t, "the answer of the command begun before the reload", func() bool { return len(slack.Responses()) == 1 })
	if r := slack.Responses()[0]; !strings.Contains(r.Text, "Watcher nahost matches") {
		t.Errorf("the answer: %+v", r)
	}
}

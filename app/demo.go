package app

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// DemoSite is the news site newsbot demo serves: the project's own test
// site (testdata/site, the invented "Rheinische Rundschau"), embedded in
// the newsbot command by main.go. Without it, demo says so.
var DemoSite fs.FS

// demoConfig is the demo's config: the site's two feeds and its section
// page, a watcher for Syria, and alerts on the first check.
const demoConfig = `storage: %q
first_run: alert
slack:
  token: %q
  channel: %q
http:
  host_interval: 0s
  allow_private_networks: true
sources:
  - name: rundschau
    url: %[4]s/rss/politik.xml
  - name: rundschau-politik
    url: %[4]s/politik/
    links: "a.js-hlp"
  - name: world
    url: %[4]s/atom/world.xml
watchers:
  - name: nahost
    schedule: "*/5 * * * *"
    sources: [rundschau, rundschau-politik, world]
    keywords: [Syrien, IS, "Islamischer Staat"]
    forms: [de, en]
`

// demo is newsbot demo: a small news site of its own, inside the process,
// one watcher run over it once, and its alerts printed (or, with
// SLACK_BOT_TOKEN set and a channel named, posted). No network, no
// config.
func demo(ctx context.Context, channel string, stdout, stderr io.Writer) int {
	if DemoSite == nil {
		fmt.Fprintln(stderr, "newsbot demo: this newsbot was built without its demo site (build the command, go build ., from the repository)")
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "newsbot demo: no local port for the demo site:", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: demoSite(DemoSite, base, time.Now()), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()

	dir, err := os.MkdirTemp("", "newsbot-demo")
	if err != nil {
		fmt.Fprintln(stderr, "newsbot demo:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	token := ""
	if channel != "" {
		if token = os.Getenv("SLACK_BOT_TOKEN"); token == "" {
			fmt.Fprintln(stderr, "newsbot demo: --channel posts with the token in SLACK_BOT_TOKEN, which is not set")
			return 2
		}
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(demoConfig, filepath.Join(dir, "newsbot.db"), token, cmp.Or(channel, "#nahost"), base)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		fmt.Fprintln(stderr, "newsbot demo:", err)
		return 1
	}
	where := "printed below, as they would go to Slack"
	if channel != "" {
		where = "posted to " + channel
	}
	fmt.Fprintf(stderr, "newsbot demo: a news site of its own at %s (the Rheinische Rundschau, invented: two feeds and a section page),\n"+
		"a watcher for Syrien, IS and \"Islamischer Staat\" (and Syria, Syrian, …), one check; its alerts are %s.\n\n", base, where)
	c := &command{name: "once", config: cfgPath, timeout: 2 * time.Minute, stdout: stdout, stderr: stderr,
		log: quietLogger(stderr)}
	loaded, ws, err := Load(cfgPath)
	if err != nil {
		printLoadError(stderr, err)
		return 1
	}
	code := c.once(ctx, loaded, ws)
	if code == 0 {
		fmt.Fprint(stderr, "\nThat was one check. Your own: copy config.yaml, name your feeds and keywords, then\n"+
			"  newsbot validate    check the file\n  newsbot once        one check now (with SLACK_BOT_TOKEN set, it posts to Slack)\n  newsbot run         check on the schedules\n")
	}
	return code
}

// demoDates are the dates of the demo site's feeds and pages, to be made
// recent: RFC 1123 (RSS) and RFC 3339 (Atom, pages).
var demoDates = regexp.MustCompile(`[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})`)

// demoSiteNewest is the newest date of the demo site: it is shown as
// ten minutes before the demo begins, the others as long before.
var demoSiteNewest = time.Date(2025, 6, 17, 9, 47, 0, 0, time.UTC)

// demoSite serves the site as a news site would: {{BASE}} as its own
// address, its dates made recent, /plus/ behind a paywall (403).
func demoSite(site fs.FS, base string, now time.Time) http.Handler {
	shift := now.Add(-10 * time.Minute).Sub(demoSiteNewest).Truncate(time.Minute)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/plus/") {
			http.Error(w, "Nur für Abonnenten", http.StatusForbidden)
			return
		}
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasSuffix(r.URL.Path, "/") {
			name = path.Join(name, "index.html")
		}
		b, err := fs.ReadFile(site, name)
		if err != nil || name == "README.md" {
			http.NotFound(w, r)
			return
		}
		body := strings.ReplaceAll(string(b), "{{BASE}}", base)
		body = demoDates.ReplaceAllStringFunc(body, func(d string) string {
			if t, err := time.Parse(time.RFC1123, d); err == nil {
				return t.Add(shift).UTC().Format(time.RFC1123)
			}
			t, err := time.Parse(time.RFC3339, d)
			if err != nil {
				return d
			}
			return t.Add(shift).Format(time.RFC3339)
		})
		ct := mime.TypeByExtension(path.Ext(name))
		if strings.HasSuffix(name, ".xml") {
			ct = "application/xml; charset=utf-8"
		}
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		io.WriteString(w, body)
	})
}

// quietLogger logs only errors: the demo shows its alerts, not its
// working.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

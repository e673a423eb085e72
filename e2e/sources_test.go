package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/newsbot/newsbot/internal/testenv"
)

// site is a local news site of pages by path ({{BASE}} is its address).
func site(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".txt"):
			w.Header().Set("Content-Type", "text/plain")
		case strings.Contains(body, "<rss"), strings.Contains(body, "<feed"), strings.Contains(body, "<urlset"), strings.Contains(body, "<sitemapindex"):
			w.Header().Set("Content-Type", "application/xml")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Write([]byte(strings.ReplaceAll(body, "{{BASE}}", "http://"+r.Host)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func rss(title string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><language>de</language>`, title)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Meldung %d</title><link>{{BASE}}/a%d.html</link><pubDate>%s</pubDate></item>`, i, i, time.Now().Add(-time.Duration(i+1)*time.Hour).UTC().Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// sourcesOf reads a printed sources: block.
func sourcesOf(t *testing.T, out string) []map[string]string {
	t.Helper()
	var doc struct{ Sources []map[string]string }
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("the printed block is no YAML: %v\n%s", err, out)
	}
	return doc.Sources
}

// configWith is a config of these sources (a printed block) and a watcher
// reading them all (and folders), for validate and once.
func configWith(t *testing.T, block string, names, folders []string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	watcher := fmt.Sprintf("watchers:\n  - {name: alles, schedule: \"@hourly\", sources: [%s], keywords: [Syrien], channel: \"#c\"}\n", strings.Join(names, ", "))
	if len(folders) > 0 {
		watcher = fmt.Sprintf("watchers:\n  - {name: alles, schedule: \"@hourly\", folders: [%s], keywords: [Syrien], channel: \"#c\"}\n", strings.Join(quoted(folders), ", "))
	}
	body := fmt.Sprintf("storage: %s\nfirst_run: skip\nhttp: {host_interval: 0s, allow_private_networks: true}\n%s%s", filepath.Join(dir, "n.db"), block, watcher)
	os.WriteFile(cfg, []byte(body), 0o644)
	return cfg
}

func quoted(ss []string) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%q", s))
	}
	return out
}

// onceReadsAll runs validate and once on the config and checks that once
// read every one of n sources, none failing.
func onceReadsAll(t *testing.T, e *testenv.Env, cfg string, n int) {
	t.Helper()
	if code, stdout, stderr := e.Newsbot("validate", "--config", cfg); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr := e.Newsbot("once", "--config", cfg)
	want := fmt.Sprintf("newsbot: %d sources checked,", n)
	if code != 0 || !strings.Contains(stderr, want) || strings.Contains(stderr, "failed") {
		t.Errorf("once: exit %d, want %q and no failure:\n%s", code, want, stderr)
	}
}

// newsbot discover finds what sites offer from their addresses: a home
// page's two named feeds and the news sitemap its robots.txt's index
// holds (with the WebSub hub one feed names), the feed a page links
// without naming it, a feed given directly; a site that offers nothing
// says so and why. The printed block passes validate, and once reads
// every source in it.
func TestDiscover(t *testing.T) {
	now := time.Now().UTC()
	home := site(t, map[string]string{
		"/": `<!DOCTYPE html><html><head><title>Kurier</title>
<link rel="alternate" type="application/rss+xml" title="Politik" href="/rss/politik.xml">
<link rel="alternate" type="application/atom+xml" title="Welt" href="{{BASE}}/atom/welt.xml">
<link rel="stylesheet" href="/s.css"></head><body><p>Nachrichten</p></body></html>`,
		"/rss/politik.xml": rss("Kurier – Politik", 4),
		"/leer.html":       `<html><body><h1>Impressum</h1></body></html>`,
		"/atom/welt.xml": `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Kurier: Welt</title><link rel="hub" href="https://hub.example/"/><link rel="self" href="{{BASE}}/atom/welt.xml"/>
<entry><title>Genf</title><link href="{{BASE}}/genf.html"/><id>1</id><updated>` + now.Format(time.RFC3339) + `</updated></entry></feed>`,
		"/robots.txt": "User-agent: *\nDisallow: /intern/\nSitemap: {{BASE}}/sitemap-index.xml\n",
		"/sitemap-index.xml": `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{{BASE}}/sitemap-news.xml</loc><lastmod>` + now.Format(time.RFC3339) + `</lastmod></sitemap>
<sitemap><loc>{{BASE}}/sitemap-2019.xml</loc><lastmod>2019-01-31</lastmod></sitemap></sitemapindex>`,
		"/sitemap-news.xml": `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{{BASE}}/genf.html</loc><news:news><news:publication><news:name>Kurier</news:name><news:language>de</news:language></news:publication><news:publication_date>` + now.Format(time.RFC3339) + `</news:publication_date><news:title>Genf</news:title></news:news></url></urlset>`,
	})
	linking := site(t, map[string]string{
		"/politik/":    `<html><body><h1>Politik</h1><ul><li><a href="/politik/a.html">Ein Artikel</a></li></ul><footer><a href="/service/rss">RSS</a></footer></body></html>`,
		"/service/rss": rss("Bote", 2),
	})
	nothing := site(t, map[string]string{"/": `<html><body><h1>Anzeiger</h1><a href="/impressum">Impressum</a></body></html>`})
	direct := site(t, map[string]string{"/feed.xml": rss("Post", 3)})

	e := &testenv.Env{T: t}
	args := []string{"discover", home.URL + "/", linking.URL + "/politik/", nothing.URL + "/", direct.URL + "/feed.xml"}
	code, stdout, stderr := e.Newsbot(args...)
	if code != 0 {
		t.Fatalf("discover: exit %d\n%s", code, stderr)
	}
	srcs := sourcesOf(t, stdout)
	urls := map[string]map[string]string{}
	var names []string
	for _, s := range srcs {
		urls[s["url"]] = s
		names = append(names, s["name"])
	}
	for _, want := range []string{home.URL + "/rss/politik.xml", home.URL + "/atom/welt.xml", home.URL + "/sitemap-news.xml", linking.URL + "/service/rss", direct.URL + "/feed.xml"} {
		if urls[want] == nil {
			t.Errorf("discover did not find %s:\n%s", want, stdout)
		}
	}
	if len(srcs) != 5 || urls[home.URL+"/sitemap-news.xml"]["type"] != "sitemap" {
		t.Errorf("sources: %v, want 5, the sitemap with type: sitemap", srcs)
	}
	for _, want := range []string{
		`RSS "Kurier – Politik": 4 items, newest`, "language de; named by the page",
		"WebSub hub https://hub.example/", "news sitemap: 1 article of the last two days", "named in robots.txt, in its index " + home.URL + "/sitemap-index.xml",
		`RSS "Bote": 2 items`, "linked from the page", "the address itself",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("discover's block lacks %q:\n%s", want, stdout)
		}
	}
	if !regexp.MustCompile(`newsbot discover: ` + regexp.QuoteMeta(nothing.URL+"/") + `: nothing to watch: the page names no feed`).MatchString(stderr) {
		t.Errorf("the site that offers nothing is not said, with why:\n%s", stderr)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		t.Errorf("names not unique: %v", names)
	}
	onceReadsAll(t, e, configWith(t, stdout, names, nil), len(srcs))

	// --json, for tools.
	code, stdout, _ = e.Newsbot(append([]string{"discover", "--json"}, args[1:]...)...)
	var res struct {
		Addresses []struct {
			Address string
			Found   []struct{ Kind, URL, How string }
			Nothing string
		}
		Sources []struct{ Name, URL, Type string }
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 || len(res.Addresses) != 4 || len(res.Sources) != 5 ||
		len(res.Addresses[0].Found) != 3 || res.Addresses[2].Nothing == "" {
		t.Errorf("discover --json: exit %d, %v\n%s", code, err, stdout)
	}
	// A second page of a site already looked at, with nothing of its own,
	// says so too.
	_, _, stderr = e.Newsbot("discover", home.URL+"/", home.URL+"/leer.html")
	if !strings.Contains(stderr, home.URL+"/leer.html: nothing to watch: the page names no feed and links none, and no well-known feed address answers with one (its site's news sitemaps are listed with an address before)") {
		t.Errorf("the second, empty page of a site is not said:\n%s", stderr)
	}
	// Names the config has are not taken again, nor its sources proposed.
	taken := configWith(t, fmt.Sprintf("sources:\n  - {name: post, url: %q}\n", direct.URL+"/feed.xml"), []string{"post"}, nil)
	_, stdout, stderr = e.Newsbot("discover", "--config", taken, direct.URL+"/feed.xml")
	if strings.Contains(stdout, "name:") || !strings.Contains(stderr, "as post") {
		t.Errorf("a feed the config has, proposed again:\n%s%s", stdout, stderr)
	}
}

// newsbot import reads OPML as feed readers export it (folders nested
// or not, entities, a feed in two folders, outlines without an address,
// an address that is not http) and prints a sources: block with the
// folders kept: validate takes it, a watcher of a folder reads its
// sources, and once reads every source; export, then import, gives the
// same sources.
func TestImportAndExportOPML(t *testing.T) {
	feeds := site(t, map[string]string{"/politik.xml": rss("Politik", 2), "/wirtschaft.xml": rss("Wirtschaft", 2), "/sport.xml": rss("Sport", 2), "/kultur.xml": rss("Kultur", 2)})
	dir := t.TempDir()
	u := feeds.URL
	// As Feedly exports it: folders, a feed in two of them.
	feedly := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>Anna subscriptions in feedly Cloud</title></head>
  <body>
    <outline text="Nachrichten" title="Nachrichten">
      <outline type="rss" text="Politik &amp; Gesellschaft" title="Politik &amp; Gesellschaft" xmlUrl="` + u + `/politik.xml" htmlUrl="` + u + `/"/>
      <outline type="rss" text="Wirtschaft" title="Wirtschaft" xmlUrl="` + u + `/wirtschaft.xml"/>
    </outline>
    <outline text="Lieblinge" title="Lieblinge">
      <outline type="rss" text="Politik &amp; Gesellschaft" title="Politik &amp; Gesellschaft" xmlUrl="` + u + `/politik.xml"/>
      <outline text="Sport" title="Sport">
        <outline type="rss" text="Sport – Bundesliga" xmlUrl="` + u + `/sport.xml"/>
      </outline>
    </outline>
    <outline text="Newsletter" title="Newsletter" type="rss" xmlUrl="mailto:news@example.org"/>
    <outline text="Leere Mappe"/>
  </body>
</opml>
`
	// As NetNewsWire exports it: no folders, an entity, no type.
	flat := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.1"><head><title>Subscriptions-OnMyMac.opml</title></head><body>
<outline text="Kultur &amp; Caf&#233;" title="Kultur &amp; Caf&#233;" xmlUrl="` + u + `/kultur.xml"/>
</body></opml>`
	os.WriteFile(filepath.Join(dir, "feedly.opml"), []byte(feedly), 0o644)
	os.WriteFile(filepath.Join(dir, "flat.opml"), []byte(flat), 0o644)
	e := &testenv.Env{T: t}

	code, stdout, stderr := e.Newsbot("import", filepath.Join(dir, "feedly.opml"))
	if code != 0 {
		t.Fatalf("import: exit %d\n%s", code, stderr)
	}
	srcs := sourcesOf(t, stdout)
	got := map[string]string{}
	for _, s := range srcs {
		got[s["url"]] = s["name"] + " in " + s["folder"]
	}
	want := map[string]string{
		u + "/politik.xml":    "politik-gesellschaft in Nachrichten",
		u + "/wirtschaft.xml": "Wirtschaft in Nachrichten",
		u + "/sport.xml":      "sport-bundesliga in Lieblinge/Sport",
	}
	if len(got) != len(want) {
		t.Errorf("imported %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s imported as %q, want %q", k, got[k], v)
		}
	}
	for _, line := range []string{
		`feedly.opml:10: passed over "Politik & Gesellschaft": the same feed as line 6, kept in folder "Nachrichten" (a source is in one folder)`,
		`feedly.opml:15: passed over "Newsletter": its address "mailto:news@example.org" is not an http(s) URL`,
		`feedly.opml:16: passed over "Leere Mappe": no feed address (xmlUrl) and no outlines in it`,
	} {
		if !strings.Contains(stderr, line) {
			t.Errorf("import's report lacks %q:\n%s", line, stderr)
		}
	}
	// A watcher of the folder Nachrichten reads its two sources.
	cfg := configWith(t, stdout, nil, []string{"Nachrichten", "Lieblinge/Sport"})
	onceReadsAll(t, e, cfg, 3)

	code, stdout, _ = e.Newsbot("import", filepath.Join(dir, "flat.opml"))
	if s := sourcesOf(t, stdout); code != 0 || len(s) != 1 || s[0]["name"] != "kultur-cafe" || s[0]["folder"] != "" || s[0]["url"] != u+"/kultur.xml" {
		t.Errorf("flat import: exit %d, %v", code, s)
	}

	// Export, then import: the same sources.
	mixed := configWith(t, fmt.Sprintf(`sources:
  - {name: faz, url: %q, folder: Politik}
  - {name: "Bote am Abend", url: %q, type: page, links: "a.story", folder: Politik/Inland}
  - {name: news, url: %q, type: sitemap}
`, u+"/politik.xml", u+"/", u+"/sitemap.xml"), []string{"faz", `"Bote am Abend"`, "news"}, nil)
	code, opml, stderr := e.Newsbot("export", "--config", mixed)
	if code != 0 || !strings.Contains(opml, `<opml version="2.0"`) {
		t.Fatalf("export: exit %d\n%s%s", code, opml, stderr)
	}
	os.WriteFile(filepath.Join(dir, "export.opml"), []byte(opml), 0o644)
	_, stdout, _ = e.Newsbot("import", filepath.Join(dir, "export.opml"))
	back := sourcesOf(t, stdout)
	wantBack := []map[string]string{
		{"name": "faz", "url": u + "/politik.xml", "folder": "Politik"},
		{"name": "Bote am Abend", "url": u + "/", "type": "page", "links": "a.story", "folder": "Politik/Inland"},
		{"name": "news", "url": u + "/sitemap.xml", "type": "sitemap"},
	}
	if len(back) != len(wantBack) {
		t.Fatalf("export, then import: %v, want %v", back, wantBack)
	}
	for i, w := range wantBack {
		for k, v := range w {
			if back[i][k] != v {
				t.Errorf("source %d's %s after export and import: %q, want %q", i, k, back[i][k], v)
			}
		}
	}
}

// A sitemap index that lists itself (or another index) is not followed
// round and round: discover reads one level of an index, as a source
// does, and ends.
func TestDiscoverEndsOnAnIndexOfItself(t *testing.T) {
	now := time.Now().UTC().Format(time.RFC3339)
	s := site(t, map[string]string{
		"/":           `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body></body></html>`,
		"/feed.xml":   rss("Kurier", 1),
		"/robots.txt": "Sitemap: {{BASE}}/idx.xml\nSitemap: {{BASE}}/idx.xml\n",
		"/idx.xml": `<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{{BASE}}/idx.xml</loc><lastmod>` + now + `</lastmod></sitemap>
<sitemap><loc>{{BASE}}/news.xml</loc><lastmod>` + now + `</lastmod></sitemap></sitemapindex>`,
		"/news.xml": `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>{{BASE}}/a.html</loc><news:news><news:publication><news:name>K</news:name><news:language>de</news:language></news:publication><news:publication_date>` + now + `</news:publication_date><news:title>A</news:title></news:news></url></urlset>`,
	})
	e := &testenv.Env{T: t}
	code, stdout, stderr := e.Newsbot("discover", s.URL+"/")
	srcs := sourcesOf(t, stdout)
	if code != 0 || len(srcs) != 2 || srcs[1]["url"] != s.URL+"/news.xml" {
		t.Errorf("discover: exit %d, %v\n%s", code, srcs, stderr)
	}
}

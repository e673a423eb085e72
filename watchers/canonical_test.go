package watchers_test

import (
	"testing"

	"github.com/newsbot/newsbot/watchers"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		name, ref, base, want string
	}{
		{"utm and fragment dropped", "https://rr.example/politik/a.html?utm_source=rss&utm_medium=feed&utm_campaign=politik#kommentare", "",
			"https://rr.example/politik/a.html"},
		{"click ids dropped", "https://rr.example/a.html?fbclid=IwAR0&gclid=Cj0&msclkid=1&igshid=2&mc_cid=3&mc_eid=4&_ga=5", "",
			"https://rr.example/a.html"},
		{"tracking prefixes and case", "https://rr.example/a.html?UTM_Source=x&pk_campaign=y&mtm_kwd=z&hsa_acc=1&Fbclid=2", "",
			"https://rr.example/a.html"},
		{"encoded tracking key", "https://rr.example/a.html?utm%5Fsource=x&id=1", "",
			"https://rr.example/a.html?id=1"},
		{"meaningful params kept in order", "https://rr.example/artikel?page=2&id=4711&utm_source=x&q=a+b&sort=new", "",
			"https://rr.example/artikel?page=2&id=4711&q=a+b&sort=new"},
		{"params not sorted", "https://rr.example/artikel?z=1&a=2", "", "https://rr.example/artikel?z=1&a=2"},
		{"empty params dropped", "https://rr.example/a?x=1&&y=2", "", "https://rr.example/a?x=1&y=2"},
		{"no dangling ?", "https://rr.example/a.html?utm_source=x", "", "https://rr.example/a.html"},
		{"empty query", "https://rr.example/a.html?", "", "https://rr.example/a.html"},
		{"fragment only", "https://rr.example/a.html#top", "", "https://rr.example/a.html"},

		{"document-relative", "ausland/syrien.html", "https://rr.example/politik/", "https://rr.example/politik/ausland/syrien.html"},
		{"root-relative", "/gesellschaft/duerre.html", "https://rr.example/politik/index.html", "https://rr.example/gesellschaft/duerre.html"},
		{"dot-dot", "../macron.html", "https://rr.example/politik/ausland/syrien.html", "https://rr.example/politik/macron.html"},
		{"scheme-relative", "//cdn.rr.example/a.html", "https://rr.example/", "https://cdn.rr.example/a.html"},
		{"query-relative", "?page=2", "https://rr.example/politik/", "https://rr.example/politik/?page=2"},
		{"relative with tracking", "a.html?utm_source=x#f", "https://rr.example/politik/", "https://rr.example/politik/a.html"},
		{"absolute ignores base", "https://other.example/a.html", "https://rr.example/politik/", "https://other.example/a.html"},

		{"scheme and host lower case, path kept", "HTTPS://RR.Example/Politik/A.html", "", "https://rr.example/Politik/A.html"},
		{"default http port", "http://rr.example:80/a.html", "", "http://rr.example/a.html"},
		{"default https port", "https://rr.example:443/a.html", "", "https://rr.example/a.html"},
		{"other port kept", "http://RR.example:8080/a.html", "", "http://rr.example:8080/a.html"},
		{"IPv6 default port", "http://[::1]:80/a.html", "", "http://[::1]/a.html"},
		{"IPv6 other port", "http://[::1]:8080/a.html", "", "http://[::1]:8080/a.html"},
		{"port 80 on https kept", "https://rr.example:80/a.html", "", "https://rr.example:80/a.html"},
		{"user info dropped", "https://user:secret@rr.example/a.html", "", "https://rr.example/a.html"},
		{"empty path", "https://rr.example", "", "https://rr.example/"},
		{"spaces around", "  https://rr.example/a.html\n", "", "https://rr.example/a.html"},
		{"umlaut in path", "https://rr.example/dürre.html", "", "https://rr.example/d%C3%BCrre.html"},

		{"mailto", "mailto:redaktion@rr.example", "https://rr.example/", ""},
		{"javascript", "javascript:void(0)", "https://rr.example/", ""},
		{"JavaScript", "JavaScript:alert(1)", "https://rr.example/", ""},
		{"tel", "tel:+49221123456", "https://rr.example/", ""},
		{"ftp", "ftp://rr.example/a.txt", "", ""},
		{"data", "data:text/html,<p>x</p>", "https://rr.example/", ""},
		{"no host", "http:///a.html", "", ""},
		{"relative without base", "/a.html", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := watchers.Canonical(tt.ref, tt.base); got != tt.want {
				t.Errorf("Canonical(%q, %q) = %q, want %q", tt.ref, tt.base, got, tt.want)
			}
		})
	}
}

// Links to one article that differ only in tracking, fragment, case of
// host, default port or encoding are one article.
func TestCanonicalSameArticle(t *testing.T) {
	groups := [][]string{
		{
			"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html",
			"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html?utm_source=rss&utm_medium=feed&utm_campaign=politik",
			"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html#kommentare",
			"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html?fbclid=IwAR2x#top",
			"HTTPS://RR.EXAMPLE:443/politik/ausland/syrien-waffenruhe-idlib-4711.html?gclid=1",
			"https://rr.example/politik/ausland/syrien-waffenruhe-idlib-4711.html?",
		},
		{
			"https://rr.example/artikel?id=4711&page=2",
			"https://rr.example/artikel?id=4711&utm_source=x&page=2",
			"https://rr.example/artikel?utm_campaign=y&id=4711&page=2#p2",
		},
		{
			"https://rr.example/gesellschaft/dürre.html",
			"https://rr.example/gesellschaft/d%C3%BCrre.html?utm_medium=social",
		},
	}
	for _, g := range groups {
		want := watchers.Canonical(g[0], "")
		if want == "" {
			t.Fatalf("Canonical(%q) = \"\"", g[0])
		}
		for _, u := range g[1:] {
			if got := watchers.Canonical(u, ""); got != want {
				t.Errorf("Canonical(%q) = %q, want %q as for %q", u, got, want, g[0])
			}
		}
	}
	// Different meaningful parameters are different articles.
	if a, b := watchers.Canonical("https://rr.example/artikel?id=1", ""), watchers.Canonical("https://rr.example/artikel?id=2", ""); a == b {
		t.Errorf("id=1 and id=2 both give %q", a)
	}
}

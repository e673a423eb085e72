package pipeline_test

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
	"sync"
	"testing"

	"github.com/newsbot/newsbot/internal/testenv"
)

func TestFirstRunSkipRecordsWithoutAlerting(t *testing.T) {
	e := testenv.New(t, "skip", "xoxb-test-token")
	out := e.Once()
	if n := len(e.Slack.Messages()); n != 0 {
		t.Errorf("first run with first_run: skip sent %d alerts", n)
	}
	if !strings.Contains(out, "recorded without alerts") {
		t.Errorf("the run should say it recorded items without alerting:\n%s", out)
	}
	e.Once()
	if n := len(e.Slack.Messages()); n != 0 {
		t.Errorf("second run sent %d alerts for items recorded on the first", n)
	}
}

// An article already alerted that comes back under another link (its
// rel=canonical, or a redirect, says it is the same) is not alerted again.
func TestSameArticleUnderAnotherLinkAlertsOnce(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Fatalf("first run: %d alerts, want 1", n)
	}
	page, err := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "site", "politik/ausland/macron-reform-rente.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The same page, reached from the homepage with a campaign parameter
	// that is not a known tracking one.
	e.Site.Set("/macron-homepage.html", string(page))
	feed, _ := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "site", "rss/politik.xml"))
	item := `<item><title>Macron will nachbessern</title><link>{{BASE}}/macron-homepage.html?ref=home</link><guid>x1</guid></item>`
	e.Site.Set("/rss/politik.xml", strings.Replace(string(feed), "<item>", item+"<item>", 1))
	out := e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("the same article under another link was alerted again (%d alerts)\n%s", n, out)
	}
}

// An article page that fails with a passing error (a 503) is tried again
// on the next checks, and its text matched once it answers; only when it
// keeps failing does newsbot match the feed's text instead.
func TestTransientArticleFailureRetried(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	// "Rentenreform" stands in the Macron article's body, not in the feed.
	e.Edit("keywords: [Emmanuel Macron, Macron]", "keywords: [Rentenreform]")
	e.Site.Fail("/politik/ausland/macron-reform-rente.html", 503)
	out := e.Once("--watcher", "macron")
	if len(e.Slack.Messages()) != 0 || !strings.Contains(out, "will try again") {
		t.Fatalf("a 503 article should be left for the next check:\n%s", out)
	}
	e.Site.Fail("/politik/ausland/macron-reform-rente.html", 0)
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("once the page answered, %d alerts, want 1", n)
	}
}

func TestMaxAge(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("timezone:", "max_age: 24h\ntimezone:")
	out := e.Once()
	// Every article of the test site is from 2025, and the paywalled one
	// too: none is alerted, and none is fetched.
	if n := len(e.Slack.Messages()); n != 0 {
		t.Errorf("max_age 24h: %d alerts on articles from 2025\n%s", n, out)
	}
	if n := e.Site.Hits("/politik/ausland/syrien-waffenruhe-idlib-4711.html"); n != 0 {
		t.Errorf("an article past max_age (by its feed date) was fetched %d times", n)
	}
}

// A section page's link to a page that is no article (a newsletter form)
// alerts on nothing, whatever its link text says.
func TestLinkToNonArticleNotAlerted(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Site.Set("/politik/", `<html><body><main>
<h2><a class="js-hlp" href="/newsletter.html">Newsletter: Alles zu Syrien und dem IS</a></h2>
</main></body></html>`)
	e.Site.Set("/newsletter.html", `<html lang="de"><body><nav><a href="/">Start</a> <a href="/nahost">Nahost: Syrien, IS</a></nav>
<main><h1>Newsletter abonnieren</h1><form><label>E-Mail</label><input name="m"><button>Abonnieren</button></form></main></body></html>`)
	out := e.Once("--watcher", "nahost")
	for _, m := range e.Slack.Messages() {
		if strings.Contains(m.BlockText(), "newsletter.html") {
			t.Errorf("a newsletter form was alerted:\n%s\n%s", m.BlockText(), out)
		}
	}
}

// An article whose page failed with a passing error, and that then leaves
// the feed, is not lost: its feed text is matched on the next check.
func TestHeldBackItemNotLostWhenFeedDropsIt(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Site.Fail("/politik/ausland/macron-reform-rente.html", 503)
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 0 {
		t.Fatalf("%d alerts while the page answered 503, want it held back", n)
	}
	feed, _ := os.ReadFile(filepath.Join(testenv.Root(), "testdata", "site", "rss/politik.xml"))
	i := strings.Index(string(feed), "<item>\n    <title>Frankreich")
	if i < 0 {
		i = strings.Index(string(feed), "macron-reform-rente") // find the Macron item
		i = strings.LastIndex(string(feed[:i]), "<item>")
	}
	j := strings.Index(string(feed[i:]), "</item>") + i + len("</item>")
	e.Site.Set("/rss/politik.xml", string(feed[:i])+string(feed[j:]))
	e.Site.Set("/politik/", `<html><body><a class="js-hlp" href="ausland/syrien-waffenruhe-idlib-4711.html">Syrien</a></body></html>`)
	out := e.Once("--watcher", "macron")
	msgs := e.Slack.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].BlockText(), "macron-reform-rente") || !strings.Contains(msgs[0].BlockText(), "page unavailable") {
		t.Fatalf("after the feed dropped the held-back item: %d alerts, want 1 from the feed's text\n%s", len(msgs), out)
	}
	e.Once("--watcher", "macron")
	if n := len(e.Slack.Messages()); n != 1 {
		t.Errorf("the released item was alerted again (%d alerts)", n)
	}
}

// A watcher with a query and a synonym set, as a press office writes them.
func TestQueryWatcher(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	cfg, _ := os.ReadFile(e.Config)
	c := strings.Replace(string(cfg), "sources:\n", `synonyms:
  syrien: [Syrien, Syria, "Arabische Republik Syrien"]
sources:
`, 1) + `  - name: anfrage
    schedule: "@hourly"
    sources: [rundschau, world]
    query: '@syrien AND (title:Waffenruhe OR "Islamic State" OR UN NEAR/3 report) -Macron'
    channel: "#anfrage"
`
	os.WriteFile(e.Config, []byte(c), 0o644)
	out := e.Once("--watcher", "anfrage")
	var got []string
	for _, m := range e.Slack.Messages() {
		got = append(got, m.BlockText())
	}
	if len(got) != 2 || !strings.Contains(strings.Join(got, ""), "syrien-waffenruhe-idlib-4711.html") || !strings.Contains(strings.Join(got, ""), "un-report-syria-aid.html") {
		t.Fatalf("query alerts:\n%s\nwant the Syria article and the UN report\n%s", strings.Join(got, "\n"), out)
	}
	if !strings.Contains(strings.Join(got, ""), "Waffenruhe (title)") {
		t.Errorf("the alert should say Waffenruhe matched in the title:\n%s", strings.Join(got, "\n"))
	}

	// A broken query: its place in the YAML and in the query.
	os.WriteFile(e.Config, []byte(strings.Replace(c, "(title:Waffenruhe", "((title:Waffenruhe", 1)), 0o644)
	code, _, stderr := e.Newsbot("validate", "--config", e.Config)
	if code == 0 || !regexp.MustCompile(`config.yaml:\d+:12: watchers\[anfrage\].query: unbalanced parenthesis at 13`).MatchString(stderr) {
		t.Errorf("validate of a broken query: exit %d\n%s", code, stderr)
	}
}

// stem: true finds the inflected forms, in the article's language.
func TestStemWatcher(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`slack: {channel: "#news"}
sources: [{name: a, url: "https://rr.example/rss"}]
watchers:
  - {name: exakt, schedule: "@hourly", sources: [a], keywords: [Syrien, Flüchtling]}
  - {name: stamm, schedule: "@hourly", sources: [a], keywords: [Syrien, Flüchtling], stem: true}
`), 0o644)
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="de"><body><article><h1>Die Lage Syriens</h1>
<p>Die Zahl der Fluechtlinge aus dem Norden des Landes ist in den vergangenen Wochen stark gestiegen, sagen Helfer.</p>
<p>Die Vereinten Nationen fordern mehr Geld für die Versorgung der Menschen in den Lagern an der Grenze.</p></article></body></html>`), 0o644)
	code, stdout, stderr := (&testenv.Env{T: t}).Newsbot("check", "--config", cfg, "--json", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var res struct {
		Matches []struct {
			Watcher string
			Terms   []string
		}
	}
	json.Unmarshal([]byte(stdout), &res)
	if len(res.Matches) != 1 || res.Matches[0].Watcher != "stamm" || !slices.Equal(res.Matches[0].Terms, []string{"Syrien", "Flüchtling"}) {
		t.Errorf("matches = %+v, want only the stemming watcher, with both terms", res.Matches)
	}
}

// A keyword that is also a class name or an attribute of the page's
// markup never matches the markup.
func TestMarkupNotMatched(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte(`slack: {channel: "#news"}
sources: [{name: a, url: "https://rr.example/rss"}]
watchers:
  - {name: w, schedule: "@hourly", sources: [a], keywords: [syrien, IS, teaser, article]}
`), 0o644)
	page := filepath.Join(dir, "a.html")
	os.WriteFile(page, []byte(`<html lang="de"><head><meta name="keywords" content="syrien, IS"></head>
<body class="syrien"><article class="article syrien" id="IS" data-topic="syrien">
<h1 class="IS">Die Lage im Land</h1><p class="teaser">Die Zahl der Menschen auf der Flucht ist in den vergangenen Wochen stark gestiegen, sagen Helfer.</p>
<p title="syrien">Die Vereinten Nationen fordern mehr Geld für die Versorgung der Menschen in den Lagern an der Grenze.</p>
<img alt="" src="/img/syrien.jpg"></article></body></html>`), 0o644)
	code, stdout, stderr := (&testenv.Env{T: t}).Newsbot("check", "--config", cfg, "--json", page)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"matches": []`) {
		t.Errorf("markup matched:\n%s", stdout)
	}
}

// mention and mention_on: an alert notifies whom the watcher names, and
// only for the terms it names.
func TestMentions(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	cfg, _ := os.ReadFile(e.Config)
	c := strings.Replace(string(cfg), `    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"`, `    keywords: [Syrien, IS, "Islamischer Staat"]
    channel: "#nahost"
    mention: ["@here", U0123ABC, "<!subteam^S42>"]
    mention_on: [Syrien]`, 1)
	os.WriteFile(e.Config, []byte(c), 0o644)
	e.Once("--watcher", "nahost")
	for _, m := range e.Slack.Messages() {
		syria := strings.Contains(m.BlockText(), "Syrien") && strings.Contains(m.BlockText(), "matched: Syrien")
		mentioned := strings.HasPrefix(m.Text, "<!here> <@U0123ABC> <!subteam^S42> ") && strings.Contains(m.BlockText(), "<!here> <@U0123ABC> <!subteam^S42> *<")
		if syria != mentioned {
			t.Errorf("matched Syrien: %v, mentions: %v\n%s\n%s", syria, mentioned, m.Text, m.BlockText())
		}
	}
	os.WriteFile(e.Config, []byte(strings.Replace(c, "U0123ABC", "someone", 1)), 0o644)
	if code, _, stderr := e.Newsbot("validate", "--config", e.Config); code == 0 || !strings.Contains(stderr, `watchers[nahost].mention[1]: "someone" is not a mention`) {
		t.Errorf("validate of a bad mention: exit %d, %s", code, stderr)
	}
}

// A source that keeps failing is reported to the ops channel once, after
// three checks in a row, and once again when it answers.
func TestSourceHealthToOps(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("  pace: 10ms\n", "  pace: 10ms\n  ops_channel: \"#ops\"\n")
	e.Site.Fail("/atom/world.xml", 503)
	ops := func() []string {
		var out []string
		for _, m := range e.Slack.Messages() {
			if m.Channel == "#ops" {
				out = append(out, m.Text)
			}
		}
		return out
	}
	for i := 0; i < 5; i++ {
		e.Once("--watcher", "nahost")
	}
	if got := ops(); len(got) != 1 || !strings.Contains(got[0], "source world") || !strings.Contains(got[0], "3 checks in a row") {
		t.Fatalf("after five failed checks ops heard %q, want one notice", got)
	}
	e.Site.Fail("/atom/world.xml", 0)
	e.Once("--watcher", "nahost")
	e.Once("--watcher", "nahost")
	if got := ops(); len(got) != 2 || !strings.Contains(got[1], "source world") || !strings.Contains(got[1], "answers again") {
		t.Errorf("after it recovered ops heard %q, want one more notice", got)
	}
}

// A source that answers 429 asks newsbot to wait: that is no failure
// and no error in the run's line, which says so instead.
func TestSourceAskingToWaitIsNoError(t *testing.T) {
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Site.Fail("/atom/world.xml", http.StatusTooManyRequests)
	out := e.Once("--watcher", "nahost")
	line := out[strings.LastIndex(out, "newsbot: "):]
	if !regexp.MustCompile(`\(\d asked newsbot to wait\)`).MatchString(line) || strings.Contains(line, "failed") || !strings.Contains(line, " 0 errors") {
		t.Errorf("a 429 should be said as such, not as a failure or an error:\n%s", line)
	}
	if strings.Contains(out, "source failed") {
		t.Errorf("a 429 logged as a failed source:\n%s", out)
	}
}

// Summaries from a language model through an OpenAI-compatible endpoint:
// written in the watcher's language from the article's text, marked as
// the model's; past the daily budget, or when the endpoint fails, the
// extractive summary stands in and the log says why.
func TestModelSummaries(t *testing.T) {
	var mu sync.Mutex
	var requests []map[string]any
	fail := false
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
			http.Error(w, `{"error":{"message":"wrong path or key"}}`, http.StatusUnauthorized)
			return
		}
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		requests = append(requests, req)
		failing := fail
		mu.Unlock()
		if failing {
			http.Error(w, `{"error":{"message":"overloaded (request with key sk-test)"}}`, http.StatusServiceUnavailable)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []map[string]any{{"message": map[string]any{"role": "assistant",
			"content": "Im Nordwesten von Syrien gilt eine Waffenruhe.\n Hilfskonvois erreichen die Region."}}}})
	}))
	defer llm.Close()
	e := testenv.New(t, "alert", "xoxb-test-token")
	e.Edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test, daily_budget: 1}\nhttp:\n", llm.URL+"/v1"))
	out := e.Once("--watcher", "nahost")
	var byModel, own int
	for _, m := range e.Slack.Messages() {
		text := m.BlockText()
		if strings.Contains(text, "summary written by test-model") {
			byModel++
			if !strings.Contains(text, "Im Nordwesten von *Syrien* gilt eine Waffenruhe. Hilfskonvois erreichen die Region.") {
				t.Errorf("the model's summary, with the matched word marked, should be the alert's:\n%s", text)
			}
		} else {
			own++
		}
	}
	if byModel != 1 || own != 2 || !strings.Contains(out, "budget of model summaries is spent") {
		t.Errorf("with a budget of 1: %d summaries by the model, %d own; want 1 and 2, and the log saying so\n%s", byModel, own, out)
	}
	mu.Lock()
	if len(requests) != 1 {
		t.Fatalf("%d requests to the model, want 1", len(requests))
	}
	req := requests[0]
	mu.Unlock()
	msgs, _ := req["messages"].([]any)
	if req["model"] != "test-model" || len(msgs) != 2 || !strings.Contains(fmt.Sprint(msgs[0]), "German") || !strings.Contains(fmt.Sprint(msgs[1]), "Waffenruhe") {
		t.Errorf("request to the model: %v", req)
	}
	// The endpoint fails: the extractive summary, and a log line.
	e2 := testenv.New(t, "alert", "xoxb-test-token")
	e2.Edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test}\nhttp:\n", llm.URL+"/v1"))
	mu.Lock()
	fail = true
	mu.Unlock()
	out = e2.Once("--watcher", "nahost")
	for _, m := range e2.Slack.Messages() {
		if strings.Contains(m.BlockText(), "summary written by") {
			t.Errorf("a failed model summary was used:\n%s", m.BlockText())
		}
	}
	if len(e2.Slack.Messages()) != 3 || !strings.Contains(out, "model summary failed: using the extractive summary") || !strings.Contains(out, "overloaded") {
		t.Errorf("with the model failing: %d alerts\n%s", len(e2.Slack.Messages()), out)
	}
	if strings.Contains(out, "sk-test") {
		t.Errorf("the API key got into the log:\n%s", out)
	}
	mu.Lock()
	if n := len(requests); n != 2 {
		t.Errorf("after a failure the model was asked %d more times in the tick, want none", n-2)
	}
	mu.Unlock()
	var spent int
	e2.Store().QueryRow(`SELECT COALESCE(SUM(calls), 0) FROM llm_usage`).Scan(&spent)
	if spent != 0 {
		t.Errorf("a failed call counted against the budget (%d)", spent)
	}

	// Two watchers matching the same articles: one summary each.
	e3 := testenv.New(t, "alert", "xoxb-test-token")
	e3.Edit("http:\n", fmt.Sprintf("summarize: {provider: openai, base_url: %q, model: test-model, api_key: sk-test}\nhttp:\n", llm.URL+"/v1"))
	e3.Edit("watchers:\n", "watchers:\n  - {name: zwilling, schedule: \"@hourly\", sources: [rundschau, rundschau-politik, world], keywords: [Syrien, IS], channel: \"#zwilling\"}\n")
	mu.Lock()
	fail, requests = false, nil
	mu.Unlock()
	e3.Once()
	mu.Lock()
	defer mu.Unlock()
	urls := map[string]int{}
	for _, r := range requests {
		msgs, _ := r["messages"].([]any)
		urls[fmt.Sprint(msgs[1])]++
	}
	for u, n := range urls {
		if n != 1 {
			t.Errorf("an article was summarized %d times in one tick: %.80s", n, u)
		}
	}
}

package watchers_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newsbot/newsbot/internal/testsite"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/watchers"
)

// However many watchers ask at once, a Run fetches each source and each
// article once.
func TestRunFetchesOnce(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	run := newRun()
	src := watchers.Source{Name: "rundschau", URL: site.URL + "/rss/politik.xml"}
	const askers = 12
	var wg sync.WaitGroup
	lists := make([][]news.Item, askers)
	errs := make([]error, askers)
	for i := range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lists[i], errs[i] = run.List(context.Background(), src)
		}()
	}
	wg.Wait()
	for i := range askers {
		if errs[i] != nil {
			t.Fatalf("asker %d: %v", i, errs[i])
		}
		if len(lists[i]) != 5 || lists[i][0] != lists[0][0] {
			t.Errorf("asker %d got %d items, first %+v", i, len(lists[i]), lists[i][0])
		}
	}
	if n := site.Hits("/rss/politik.xml"); n != 1 {
		t.Errorf("the feed was fetched %d times by %d concurrent askers, want once", n, askers)
	}

	syria := lists[0][0]
	articles := make([]*news.Article, askers)
	for i := range askers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			articles[i], errs[i] = run.Article(context.Background(), syria)
		}()
	}
	wg.Wait()
	for i := range askers {
		if errs[i] != nil || articles[i].Title != articles[0].Title {
			t.Errorf("asker %d: %v, %+v", i, errs[i], articles[i])
		}
	}
	if n := site.Hits("/politik/ausland/syrien-waffenruhe-idlib-4711.html"); n != 1 {
		t.Errorf("the article was fetched %d times, want once", n)
	}

	// A new Run is a new tick: it fetches again.
	if _, err := watchers.NewFetcher(5*time.Second, "newsbot-test", 1<<20).NewRun(nil).List(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	if n := site.Hits("/rss/politik.xml"); n != 2 {
		t.Errorf("after a second Run the feed was fetched %d times, want 2", n)
	}
}

// A paywalled article (403) falls back to what the feed says, with the
// error that says why.
func TestArticleForbiddenFallsBackToFeed(t *testing.T) {
	site := testsite.Serve(t, "../testdata/site")
	run := newRun()
	items, err := run.List(context.Background(), watchers.Source{Name: "rundschau", URL: site.URL + "/rss/politik.xml"})
	if err != nil {
		t.Fatal(err)
	}
	var plus news.Item
	for _, it := range items {
		if strings.Contains(it.URL, "/plus/") {
			plus = it
		}
	}
	if plus.URL == "" {
		t.Fatalf("no /plus/ item in %s", dump(items))
	}
	a, err := run.Article(context.Background(), plus)
	var se *watchers.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("Article error = %v, want a StatusError 403", err)
	}
	want := &news.Article{
		URL:       site.URL + "/plus/is-kaempfer-prozess-koblenz.html",
		Title:     "Prozess in Koblenz: Mutmaßlicher Kämpfer der Terrormiliz vor Gericht",
		Teaser:    "Vor dem Oberlandesgericht Koblenz hat der Prozess gegen einen Mann begonnen, der jahrelang für die Terrormiliz IS gekämpft haben soll. (RR+)",
		Lang:      "de",
		Published: date("2025-06-13T09:15:00Z"),
		FromFeed:  true,
	}
	if a == nil || a.URL != want.URL || a.Title != want.Title || a.Teaser != want.Teaser || a.Lang != want.Lang ||
		!a.Published.Equal(want.Published) || !a.FromFeed || len(a.Body) != 0 {
		t.Errorf("Article =\n%+v\nwant\n%+v", a, want)
	}
}

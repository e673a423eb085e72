// Package news holds the domain types that flow through newsbot's pipeline:
// the items a source lists, the articles extracted from them, and the alerts
// sent about them, with the few words every package shares (source types,
// validators of conditional requests, leases). It has no behaviour beyond
// naming things and imports nothing of the project, so every other package
// may use it.
package news

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// ErrSeen is returned by a store asked to alert on an article that the
// watcher has seen before under another link.
var ErrSeen = errors.New("article already seen")

// Item is one entry a source lists: a feed item, or a link on a section page.
type Item struct {
	// URL is the canonical article URL (tracking parameters and fragment removed).
	URL string
	// GUID is the feed's identifier for the item, if any.
	GUID        string
	Title       string
	Description string
	Published   time.Time // zero when the source gives no date
	Lang        string    // the feed's language, if it declares one
	Source      string    // the name of the source in the config
	// ListedBy is the URL the source's list came from (after redirects):
	// the article may be fetched from that host whatever its address.
	ListedBy string `json:",omitempty"`
	// Via, for an item without a link of its own (URL empty), is the link
	// to what there is: its enclosure, its feed's site, or a page it
	// shares with the feed's other items.
	Via string `json:",omitempty"`
	// From is the kind of source that listed it (feed, page, sitemap);
	// Pushed, for an item a WebSub hub pushed, when the push arrived.
	From   SourceType `json:",omitempty"`
	Pushed time.Time  `json:",omitzero"`
}

// Article is the main text of a page, without navigation, sidebars,
// teasers of other articles, comments or footers.
type Article struct {
	URL       string
	Title     string
	Teaser    string   // the standfirst, or the feed's description
	Body      []string // the paragraphs after the teaser
	Lang      string   // ISO 639-1, "" when unknown
	Published time.Time
	// FromFeed is true when the page could not be had and the article is
	// made of the feed's title and description alone.
	FromFeed bool
}

// Text returns everything a keyword is searched in: title, teaser and
// body, one paragraph a line.
func (a *Article) Text() string { return a.join(a.Title) }

// MainText returns the article's text without its headline: teaser and
// body, one paragraph a line.
func (a *Article) MainText() string { return a.join("") }

func (a *Article) join(title string) string {
	n := len(title) + len(a.Teaser) + 2
	for _, p := range a.Body {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	add := func(s string) {
		if s == "" {
			return
		}
		if len(b) > 0 {
			b = append(b, '\n')
		}
		b = append(b, s...)
	}
	add(title)
	add(a.Teaser)
	for _, p := range a.Body {
		add(p)
	}
	return string(b)
}

// Alert is what newsbot tells a channel about one matching article.
type Alert struct {
	ID      int64
	Watcher string
	Channel string
	Source  string
	URL     string
	// Via, for an item without a link of its own (URL empty), is the link
	// to what there is (news.Item.Via).
	Via     string `json:",omitempty"`
	Title   string
	Summary string
	Terms   []string // the watcher's keywords found, in the order of the config
	// Fields says where each term was found: "title", "teaser", "body".
	Fields map[string][]string `json:",omitempty"`
	// Forms are, for a term found as a form of its place's name (Syrien
	// as "syrischen"), the words found.
	Forms     map[string][]string `json:",omitempty"`
	Published time.Time
	Found     time.Time
	// Origin is when the item became known to the world, from which its
	// latency to the post is counted: a pushed item's arrival (WebSub),
	// else its date in the source (feed, sitemap), else the page's; zero
	// when none is known. Way is how it came: feed, page, sitemap, push.
	Origin time.Time `json:",omitzero"`
	Way    string    `json:",omitempty"`
	// Marks are the byte ranges of matched words in Summary, so that a
	// notifier can emphasise them.
	Marks [][2]int
	// SummaryBy names the language model that wrote Summary; "" for
	// newsbot's own extractive summary.
	SummaryBy string `json:",omitempty"`
	// Snippets show matches that the summary's sentences do not carry,
	// with a few words around each; their Marks work the same way.
	Snippets []Snippet
	Lang     string
	// Mentions are who the alert notifies, in Slack's markup ("<!here>",
	// "<@U123>"): written by newsbot from the config, never from a page.
	Mentions []string `json:",omitempty"`
	// NotBefore holds the alert back until then (the watcher's quiet hours).
	NotBefore time.Time `json:",omitzero"`
	// Interrupted is set by the store on an alert that may have been
	// posted already: a process claimed it and never finished, or an
	// attempt failed without Slack saying no (a timeout).
	Interrupted bool `json:"-"`
	// FromFeed is true when the page could not be had and the alert rests
	// on the feed's title and description.
	FromFeed bool
	// ItemSig is a digest of what the source said of the item (title and
	// description) when the alert was made: when it changes, the article
	// is looked at again for a follow-up.
	ItemSig string `json:",omitempty"`

	// ThreadOf is the alert this one follows up, in its thread: the
	// article's headline changed, or it now matches more terms.
	ThreadOf int64 `json:",omitempty"`
	// Update says what changed, for a follow-up.
	Update *Update `json:",omitempty"`
	// ThreadTS is the Slack ts of the message ThreadOf was posted in
	// (set by the store; "" when it never went out).
	ThreadTS string `json:"-"`
	// ParentPending is set by the store on a follow-up whose first alert
	// has not been sent yet: the follow-up waits for it.
	ParentPending bool `json:"-"`

	// Also are other outlets' versions of the story, found before the
	// alert went out.
	Also []Also `json:",omitempty"`
	// StorySig is the article's story signature (package story), for the
	// store to find the same story from another outlet.
	StorySig []byte `json:"-"`
	// EventSig is the article's event signature (story.Event), to find
	// another outlet's own write-up of the same event.
	EventSig []byte `json:"-"`
	// StoryTerms are the Terms found outside the article's dateline
	// (story.Dateline): the terms that tell whether it is news beside a
	// story the watcher has.
	StoryTerms []string `json:"-"`
	// Fingerprint is the article's text as one key ("text:" and a hash
	// of its words, on its host): the same text under another link is
	// the same article.
	Fingerprint string `json:",omitempty"`

	// InDigest holds the alert for its watcher's digest instead of
	// sending it alone.
	InDigest bool `json:",omitempty"`
	// Muted is set by the store on an alert it recorded while its
	// watcher was muted: it is kept and never posted.
	Muted bool `json:"-"`
	// Digest is set on a digest message: the alerts it lists.
	Digest *Digest `json:",omitempty"`
}

// Update is what changed in an article already alerted.
type Update struct {
	OldTitle string   `json:",omitempty"` // the headline before, when it changed
	NewTerms []string `json:",omitempty"` // terms matched now and not before
	// Mentions are who a reply notifies: those for its new terms only.
	Mentions []string `json:",omitempty"`
	// Also is another outlet's version of the story, for a reply that
	// says so.
	Also *Also `json:",omitempty"`
}

// Also is another outlet's version of a story already alerted.
type Also struct {
	Source string
	URL    string
	Title  string
}

// StoryRef is a story a watcher alerted on lately: the first alert, where
// it came from, and its signature; or, with Version, another outlet's
// version of that story, which may resemble a later one more.
type StoryRef struct {
	ID      int64 // the record's, in the order recorded
	AlertID int64 // the story's first alert
	Version bool
	Source  string
	Host    string
	Sig     []byte
	Event   []byte // its story.Event, if known
	Title   string
	Terms   []string
}

// StoryCheck is what a store looks for among a watcher's stories before
// it records an alert: one found at or after Since, recorded after the
// story After (an ID: the caller knows those up to it), for which Same is
// true. Same sees every such story, in the order recorded, until one is
// the same. A zero StoryCheck looks at none.
type StoryCheck struct {
	Since time.Time
	After int64
	Same  func(StoryRef) bool
	// TextSince: the alert's text (its Fingerprint) makes it an article
	// seen before only when it was seen at or after then.
	TextSince time.Time
}

// Digest is one message listing a watcher's alerts since its last digest.
type Digest struct {
	// Heading replaces "Digest of <watcher>" (a spike's message), after
	// Icon (a Slack emoji name; a rising chart when empty).
	Heading     string `json:",omitempty"`
	Icon        string `json:",omitempty"`
	Since       time.Time
	Part, Parts int // 1 of 1 unless the list is split over several messages
	Total       int // alerts in all parts: the stories
	// Articles counts the stories and the other outlets' versions named
	// in them; Outlets the sources they came from, in all parts.
	Articles int `json:",omitempty"`
	Outlets  int `json:",omitempty"`
	// An overview of all parts, given in the first: the articles by
	// outlet and by term, most first, and the story most outlets ran.
	ByOutlet     []Tally `json:",omitempty"`
	ByTerm       []Tally `json:",omitempty"`
	MostReported *Tally  `json:",omitempty"`
	Entries      []Entry
}

// Tally is how many articles (or outlets) a name has: an outlet, a term,
// or a story (its headline and link).
type Tally struct {
	Name string
	URL  string `json:",omitempty"`
	N    int
}

// Entry is one article in a digest.
type Entry struct {
	AlertID   int64
	Title     string
	URL       string
	Source    string
	Line      string // the summary's first sentence
	Terms     []string
	Published time.Time `json:",omitzero"`
	FromFeed  bool      `json:",omitempty"`
	Also      []Also    `json:",omitempty"` // other outlets' versions
}

// Prior is what a watcher has said about an article before: the alert,
// and the item's signature, headline and terms as of its last message.
type Prior struct {
	AlertID  int64
	Sig      string
	Title    string
	Terms    []string
	FromFeed bool // Title is the feed's, not the page's
}

// Snippet is a few words of the article around a match.
type Snippet struct {
	Text  string
	Marks [][2]int
}

// Key identifies the item: its article's canonical URL; for an item
// without a link of its own, its GUID within its source (two feeds may
// give one GUID to different articles).
func (it Item) Key() string {
	switch {
	case it.URL != "":
		return it.URL
	case it.GUID != "":
		return "item:" + it.Source + "\x1f" + it.GUID
	}
	return ""
}

// GUIDKey is the key of the GUID, within its source, of an item that has
// a link too: a GUID stays when a publisher moves an article to a new
// link. "" for an item without both.
func (it Item) GUIDKey() string {
	if it.GUID == "" || it.URL == "" {
		return ""
	}
	return "guid:" + it.Source + "\x1f" + it.GUID
}

// LegacyKey is the key newsbot gave an item without a link before it
// kept GUIDs within their source ("guid:" and the GUID alone), so that
// what was seen then is seen still. "" for an item with a link.
func (it Item) LegacyKey() string {
	if it.URL != "" || it.GUID == "" {
		return ""
	}
	return "guid:" + it.GUID
}

// Freshness is how a source's items come: how many are new at this
// check, when something new last appeared, the recent gaps between new
// items, and whether the source has been reported as having nothing new.
type Freshness struct {
	New     int
	LastNew time.Time
	Gaps    []time.Duration
	Stale   bool
}

// Failure is how a send failed, as the outbox records it.
type Failure int

const (
	// Retry: not posted; try again later.
	Retry Failure = iota
	// Unsure: perhaps posted (the request went out and no answer came);
	// look in the channel before trying again.
	Unsure
	// Permanent: not deliverable; park the alert.
	Permanent
)

// Mute is a watcher muted from Slack (/newsbot mute): until when, who
// asked and when, and how many of its alerts were recorded and not
// posted since.
type Mute struct {
	Watcher string
	Until   time.Time
	By      string
	At      time.Time
	Held    int
}

// SourceFailure is a source whose checks fail: how many in a row, since
// when.
type SourceFailure struct {
	Source   string
	Failures int
	Since    time.Time
	Reason   string // the last check's error
}

// AlertCounts are a watcher's alerts on articles over some time: All of
// them, and those Muted (recorded, not posted).
type AlertCounts struct {
	All, Muted int
}

// Validators are what a server said about a body, to ask whether it has
// changed: its ETag and Last-Modified, and the body's own hash for servers
// that say neither.
type Validators struct {
	ETag         string
	LastModified string
	Hash         string
}

// RobotsFile is what is kept of a site's robots.txt between processes.
type RobotsFile struct {
	Site string // scheme://host
	// Status is 200 for a robots.txt read (Body holds it when it
	// disallows anything), a 4xx for one missing (everything allowed),
	// and 0 for one that could not be had (nothing allowed, for a
	// while).
	Status     int
	Body       []byte
	Validators Validators
	Expires    time.Time
	// Unchanged: the site said it has not changed (a 304); only Expires
	// and Validators are new.
	Unchanged bool
}

// SourceType is what a source is: a feed, whose items are the articles,
// an HTML page, one article or a list of links to them, or a (news)
// sitemap, whose entries are the articles.
type SourceType string

// Source types; SourceAuto tells from the content.
const (
	SourceAuto    SourceType = ""
	SourceFeed    SourceType = "feed"
	SourcePage    SourceType = "page"
	SourceSitemap SourceType = "sitemap"
)

// HealthChange is what a source check changed in the source's health, as
// ops should hear it.
type HealthChange int

const (
	// HealthSame: nothing to tell.
	HealthSame HealthChange = iota
	// HealthDown: the source has failed enough checks in a row.
	HealthDown
	// HealthUp: a source said to be down answers again.
	HealthUp
)

// SourceLease names the check of a source by a group of watchers that
// tick together (their names, sorted and joined): of several replicas,
// the one that holds it makes the check.
type SourceLease struct {
	Source string
	Group  string
}

// Key is the lease as the store keeps it.
func (l SourceLease) Key() string { return "source\x00" + l.Source + "\x00" + l.Group }

// Host is a URL's host name in lower case, "" when it has none: what
// tells one outlet's site from another's.
func Host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Hostname())
}

// WebSub is a subscription to a feed's hub (WebSub, W3C): the hub pushes
// the feed's new entries to newsbot's callback, signed with Secret.
type WebSub struct {
	// ID names the subscription in its callback URL.
	ID     string
	Source string
	Hub    string
	// Topic is the feed's own address (its rel="self").
	Topic  string
	Secret string
	State  WebSubState
	// LeaseUntil is when the hub's subscription ends, unless renewed;
	// Requested, when newsbot last asked the hub; Pushed, when the hub
	// last pushed.
	LeaseUntil, Requested, Pushed time.Time
}

// WebSubState is where a subscription stands.
type WebSubState string

// Subscription states.
const (
	// WebSubRequested: asked for, not yet verified by the hub.
	WebSubRequested WebSubState = "requested"
	// WebSubActive: verified; the hub pushes until LeaseUntil.
	WebSubActive WebSubState = "active"
	// WebSubDenied: the hub refused it.
	WebSubDenied WebSubState = "denied"
	// WebSubLeaving: newsbot asked the hub to unsubscribe (the source
	// left the config, or names another hub).
	WebSubLeaving WebSubState = "leaving"
)

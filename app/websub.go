package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/pipeline"
	"github.com/newsbot/newsbot/watchers"
)

// WebSub (W3C): a feed that names a hub (rel="hub" and rel="self") is
// subscribed to when websub.callback_url is set. The hub verifies the
// subscription at the callback (hub.challenge), pushes the feed's new
// entries there, signed with the subscription's own secret
// (X-Hub-Signature), and newsbot run processes them at once, as a check
// of that source would, without waiting for the schedule. Subscriptions
// are kept in the store (replicas and restarts share them), renewed
// before their lease ends, and ended when their source leaves the
// config. Polling goes on, on the watchers' schedule, as a safety net.

// webSubRetry is how long newsbot waits for a hub to verify a
// subscription before it asks again; webSubForget, how long it waits
// for an unsubscription's before it forgets the subscription anyway.
const (
	webSubRetry  = 10 * time.Minute
	webSubForget = 24 * time.Hour
)

// maxPushes is how many pushes are processed at once; one more is
// answered 503, and the hub sends it again.
const maxPushes = 8

// callback is a subscription's callback URL: /websub/ID under
// websub.callback_url (which may end in /websub already).
func (a *App) callback(id string) string {
	base := strings.TrimRight(a.cfg.WebSub.CallbackURL, "/")
	if !strings.HasSuffix(base, "/websub") {
		base += "/websub"
	}
	return base + "/" + id
}

// syncWebSub subscribes to the hubs the config's feeds name, renews the
// subscriptions whose lease ends soon, asks again where a hub did not
// verify, and unsubscribes what the config no longer has.
func (a *App) syncWebSub(ctx context.Context) {
	if a.cfg.WebSub.CallbackURL == "" {
		return
	}
	subs, err := a.store.WebSubs(ctx)
	if err != nil {
		a.log.Error("store failed", "error", err)
		return
	}
	now := a.now()
	bySource := map[string]news.WebSub{} // the subscriptions in force, or asked for
	for _, s := range subs {
		if !s.Pushed.IsZero() {
			// A push another replica took: this one polls less too.
			a.pipeline.PushedSource(s.Source, s.Pushed)
		}
		switch {
		case s.State != news.WebSubLeaving:
			bySource[s.Source] = s
		case now.Sub(s.Requested) > webSubForget:
			// The hub never verified the unsubscription: its lease ends.
			if err := a.store.DeleteWebSub(ctx, s.ID); err != nil {
				a.log.Error("store failed", "error", err)
			}
		}
	}
	for _, src := range a.cfg.Sources {
		sub, has := bySource[src.Name]
		delete(bySource, src.Name)
		h, named := a.pipeline.Hub(src.Name)
		switch {
		case named && (!has || sub.Hub != h.Hub || sub.Topic != h.Self):
			if has {
				a.unsubscribe(ctx, sub, now) // the feed names another hub now
			}
			sub = news.WebSub{ID: randomHex(16), Source: src.Name, Hub: h.Hub, Topic: h.Self, Secret: randomHex(32), State: news.WebSubRequested}
			if err := a.store.SaveWebSub(ctx, sub); err != nil {
				a.log.Error("store failed", "error", err)
				continue
			}
			a.subscribe(ctx, sub, src.URL, now)
		case !has:
		case sub.State == news.WebSubActive && sub.LeaseUntil.Sub(now) < renewBefore(sub),
			sub.State == news.WebSubRequested && now.Sub(sub.Requested) > webSubRetry:
			a.subscribe(ctx, sub, src.URL, now)
		}
	}
	for _, sub := range bySource { // sources the config no longer has
		a.unsubscribe(ctx, sub, now)
	}
}

// renewBefore is how long before its lease ends a subscription is
// renewed: a tenth of the lease the hub gave (from the request to its
// end), between 2 minutes and a day.
func renewBefore(sub news.WebSub) time.Duration {
	return min(max(sub.LeaseUntil.Sub(sub.Requested)/10, 2*time.Minute), 24*time.Hour)
}

// subscribe asks the hub for the subscription (or its renewal), unless
// another replica just did.
func (a *App) subscribe(ctx context.Context, sub news.WebSub, source string, now time.Time) {
	if ok, err := a.store.ClaimWebSubRequest(ctx, sub.ID, now.Add(-webSubRetry), now); err != nil || !ok {
		if err != nil {
			a.log.Error("store failed", "error", err)
		}
		return
	}
	a.askHub(ctx, sub, source, "subscribe", url.Values{
		"hub.secret":        {sub.Secret},
		"hub.lease_seconds": {strconv.Itoa(int(time.Duration(a.cfg.WebSub.Lease) / time.Second))},
	})
}

// unsubscribe asks the hub to end the subscription; it is forgotten once
// the hub verifies that (or a day later).
func (a *App) unsubscribe(ctx context.Context, sub news.WebSub, now time.Time) {
	sub.State, sub.Requested = news.WebSubLeaving, now
	if err := a.store.SaveWebSub(ctx, sub); err != nil {
		a.log.Error("store failed", "error", err)
		return
	}
	source := ""
	if src, ok := a.cfg.Source(sub.Source); ok {
		source = src.URL
	}
	a.askHub(ctx, sub, source, "unsubscribe", url.Values{})
}

// askHub posts a subscription request to the hub; the hub answers 202
// and verifies it at the callback. The hub's address is one the feed
// named: it is asked as a link found in the source is fetched, a
// private address only where the source itself is (its own URL, not
// the one the feed says it has), unless http.allow_private_networks.
func (a *App) askHub(ctx context.Context, sub news.WebSub, source, mode string, form url.Values) {
	form.Set("hub.mode", mode)
	form.Set("hub.topic", sub.Topic)
	form.Set("hub.callback", a.callback(sub.ID))
	log := a.log.With("source", sub.Source, "hub", sub.Hub, "topic", sub.Topic)
	status, body, err := a.fetcher.PostForm(ctx, sub.Hub, source, form)
	switch {
	case err != nil:
		log.Warn("the WebSub hub could not be reached: polling goes on, and newsbot asks again later", "mode", mode, "reason", watchers.Reason(err))
	case status/100 != 2:
		log.Warn("the WebSub hub refused: polling goes on, and newsbot asks again later", "mode", mode, "status", status, "answer", body)
	default:
		log.Info("asked the WebSub hub; it verifies at the callback", "mode", mode, "callback", a.callback(sub.ID))
	}
}

// serveWebSub answers a hub at a subscription's callback: its
// verification of a (un)subscription (GET, echoing hub.challenge), and
// its pushes (POST, signed with the subscription's secret).
func (a *App) serveWebSub(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	sub, ok, err := a.store.WebSub(ctx, id)
	switch {
	case err != nil:
		a.log.Error("store failed", "error", err)
		http.Error(w, "store failed", http.StatusServiceUnavailable)
		return
	case !ok:
		http.NotFound(w, r)
		return
	}
	log := a.log.With("source", sub.Source, "hub", sub.Hub)
	if r.Method == http.MethodGet {
		a.verifyWebSub(w, r, sub, log)
		return
	}
	arrival := a.now()
	limit := int64(a.cfg.HTTP.MaxBody)
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		log.Warn("refused a WebSub push: unreadable, or larger than http.max_body")
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	if why := checkSignature(r.Header.Get("X-Hub-Signature"), sub.Secret, body); why != "" {
		log.Warn("refused a WebSub push: " + why)
		http.Error(w, why, http.StatusForbidden)
		return
	}
	if sub.State != news.WebSubActive {
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	src, known := a.cfg.Source(sub.Source)
	if !known {
		http.Error(w, "no such source: the config changed", http.StatusGone)
		return
	}
	run := a.running.Load()
	if run == nil || !a.commands.begin() {
		http.Error(w, "newsbot is starting, reloading or stopping", http.StatusServiceUnavailable)
		return
	}
	select {
	case a.pushing <- struct{}{}:
	default:
		a.commands.end()
		log.Warn("refused a WebSub push: as many are being processed as newsbot takes at once; the hub sends it again")
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if err := a.store.WebSubPushed(ctx, sub.ID, arrival); err != nil {
		log.Error("store failed", "error", err)
	}
	w.WriteHeader(http.StatusAccepted)
	go func() {
		defer a.commands.end()
		defer func() { <-a.pushing }()
		a.processPush(*run, src.Name, pipeline.Pushed{Body: body, ContentType: r.Header.Get("Content-Type"), Arrival: arrival})
	}()
}

// processPush checks the watchers that read the source on the pushed
// body, within the app's run: a shutdown or a reload cuts it short
// (the poll finds what it did not do).
func (a *App) processPush(run context.Context, source string, push pipeline.Pushed) {
	var ws []*pipeline.Watcher
	for _, w := range a.watchers {
		if src, ok := w.Source(source); ok {
			push.Source = src
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(run, 2*time.Minute)
	defer cancel()
	st := &pipeline.Stats{}
	start := time.Now()
	a.pipeline.TickPushed(ctx, ws, push, st)
	a.log.Info("pushed by its WebSub hub: "+st.String(), "source", source, "took", time.Since(start).Round(time.Millisecond))
}

// verifyWebSub answers a hub's verification of a subscription or an
// unsubscription newsbot asked for, and its word that it denied one.
func (a *App) verifyWebSub(w http.ResponseWriter, r *http.Request, sub news.WebSub, log interface {
	Info(string, ...any)
	Warn(string, ...any)
	Error(string, ...any)
}) {
	q := r.URL.Query()
	mode, topic, challenge := q.Get("hub.mode"), q.Get("hub.topic"), q.Get("hub.challenge")
	ctx := r.Context()
	switch {
	case mode == "denied" && (topic == "" || topic == sub.Topic):
		if err := a.store.SetWebSubState(ctx, sub.ID, news.WebSubDenied, time.Time{}); err != nil {
			log.Error("store failed", "error", err)
		}
		log.Warn("the WebSub hub denied the subscription: the source is polled", "reason", q.Get("hub.reason"))
		w.WriteHeader(http.StatusOK)
		return
	case topic != sub.Topic || challenge == "":
		http.NotFound(w, r)
		return
	case mode == "subscribe" && sub.State != news.WebSubLeaving:
		lease := time.Duration(a.cfg.WebSub.Lease)
		if s, err := strconv.Atoi(q.Get("hub.lease_seconds")); err == nil && s > 0 {
			lease = min(time.Duration(min(s, 366*24*3600))*time.Second, 366*24*time.Hour)
		}
		if err := a.store.SetWebSubState(ctx, sub.ID, news.WebSubActive, a.now().Add(lease)); err != nil {
			log.Error("store failed", "error", err)
			http.Error(w, "store failed", http.StatusServiceUnavailable)
			return
		}
		log.Info("WebSub subscription verified: the hub pushes the feed's news", "lease", lease)
	case mode == "unsubscribe" && sub.State == news.WebSubLeaving:
		if err := a.store.DeleteWebSub(ctx, sub.ID); err != nil {
			log.Error("store failed", "error", err)
		}
		log.Info("WebSub subscription ended")
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, challenge)
}

// checkSignature says why a push's X-Hub-Signature ("sha256=HEX", or
// sha1, sha384, sha512) is not the HMAC of its body with the secret; ""
// when it is.
func checkSignature(header, secret string, body []byte) string {
	if header == "" {
		return "unsigned (no X-Hub-Signature)"
	}
	method, sig, _ := strings.Cut(header, "=")
	var h func() hash.Hash
	switch strings.ToLower(method) {
	case "sha1":
		h = sha1.New
	case "sha256":
		h = sha256.New
	case "sha384":
		h = sha512.New384
	case "sha512":
		h = sha512.New
	default:
		return "signed with " + method + ", which WebSub does not name"
	}
	want, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil {
		return "a signature that is not hexadecimal"
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		return "wrongly signed"
	}
	return ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

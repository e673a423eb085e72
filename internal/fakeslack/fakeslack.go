// Package fakeslack is a Slack Web API server for tests: it answers
// chat.postMessage as Slack does, records every message, and can be told to
// refuse a channel or to fail for a while. It also takes the answers to
// slash commands on response URLs, and plays Slack's side of Socket Mode.
package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Message is one chat.postMessage call as Slack received it.
type Message struct {
	Channel     string
	Text        string
	Blocks      []map[string]any
	Metadata    map[string]any
	UnfurlLinks string
	UnfurlMedia string
	Token       string
	TS          string
	ThreadTS    string    // the thread's first message, for a reply
	At          time.Time // when Slack received it
}

// BlockText is every text of the message's blocks, one per line.
func (m Message) BlockText() string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if t, ok := v["text"].(string); ok {
				b.WriteString(t + "\n")
			}
			for k, x := range v {
				if k != "text" || !isString(x) {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for _, bl := range m.Blocks {
		walk(bl)
	}
	return b.String()
}

func isString(v any) bool { _, ok := v.(string); return ok }

// Server is a fake Slack.
type Server struct {
	*httptest.Server
	mu       sync.Mutex
	messages []Message
	// Refuse maps a channel to the Slack error it answers with (such as
	// "channel_not_found").
	Refuse map[string]string
	// FailNext makes the next n calls answer 500.
	FailNext int
	// RateLimit maps a channel to a Retry-After, in seconds: the next
	// post to it answers 429 with that header, once.
	RateLimit map[string]int
	calls     []Call
	// HangNext makes the next n chat.postMessage calls post the message
	// and then never answer, until the client gives up: a timeout after
	// which the message is in the channel all the same.
	HangNext int
	// StoreLateNext makes the next n chat.postMessage calls never answer,
	// and keep the message only StoreLate after it came: a Slack that took
	// a message and shows it in the channel only after the client gave up.
	StoreLateNext int
	StoreLate     time.Duration
	// ListError, when set, is the error conversations.list answers with
	// ("missing_scope": a token without channels:read).
	ListError string
	// ListLoops makes conversations.list answer every page with the same
	// cursor for a next one, as a broken proxy may.
	ListLoops bool
	listCalls int
	// Delay holds each chat.postMessage answer back this long after the
	// message is posted, as a slow network does: a client that dies
	// meanwhile has posted without knowing it.
	Delay time.Duration
	// AppToken, when set, is the one app-level token that Socket Mode's
	// apps.connections.open takes.
	AppToken  string
	responses []Response
	sock      *socket
	seq       int // the messages' ts, in the order they came
}

// New starts a fake Slack; it stops with the test.
func New(t testing.TB) *Server {
	s := &Server{Refuse: map[string]string{}, RateLimit: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// URL is the API URL to give slack-go (ends in "/").
func (s *Server) APIURL() string { return s.Server.URL + "/api/" }

// WebhookURL is the URL of an incoming webhook, whose messages are
// recorded in channel "webhook". Refuse["webhook"] makes it answer
// 404 with that reason, as Slack does for a removed webhook.
func (s *Server) WebhookURL() string { return s.Server.URL + "/services/T0001/B0001/s3cr3tw3bh00k" }

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	var msg struct {
		Text        string           `json:"text"`
		Blocks      []map[string]any `json:"blocks"`
		UnfurlLinks *bool            `json:"unfurl_links"`
		UnfurlMedia *bool            `json:"unfurl_media"`
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.FailNext > 0 {
		s.FailNext--
		http.Error(w, "rollup_error", http.StatusInternalServerError)
		return
	}
	if e, ok := s.Refuse["webhook"]; ok {
		http.Error(w, e, http.StatusNotFound)
		return
	}
	m := Message{Channel: "webhook", Text: msg.Text, Blocks: msg.Blocks, At: time.Now(),
		TS: s.ts()}
	if msg.UnfurlLinks != nil {
		m.UnfurlLinks = fmt.Sprint(*msg.UnfurlLinks)
	}
	if msg.UnfurlMedia != nil {
		m.UnfurlMedia = fmt.Sprint(*msg.UnfurlMedia)
	}
	s.messages = append(s.messages, m)
	w.Header().Set("Content-Type", "text/html")
	w.Write([]byte("ok"))
}

// channelID is the fake ID of a channel name ("#news" → "C_news").
func channelID(name string) string { return "C_" + strings.TrimPrefix(name, "#") }

func (s *Server) list(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listCalls++
	if s.ListError != "" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": s.ListError, "needed": "channels:read,groups:read"})
		return
	}
	seen := map[string]bool{}
	var chans []map[string]any
	for _, m := range s.messages {
		if name := strings.TrimPrefix(m.Channel, "#"); !seen[name] {
			seen[name] = true
			chans = append(chans, map[string]any{"id": channelID(m.Channel), "name": name})
		}
	}
	answer := map[string]any{"ok": true, "channels": chans}
	if s.ListLoops {
		answer["response_metadata"] = map[string]any{"next_cursor": "again"}
	}
	json.NewEncoder(w).Encode(answer)
}

// history answers conversations.history (the channel's messages, not
// the replies in threads) and conversations.replies (a thread's).
func (s *Server) history(w http.ResponseWriter, id, oldest, thread string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var msgs []map[string]any
	for i := len(s.messages) - 1; i >= 0; i-- { // newest first, as Slack
		m := s.messages[i]
		if oldest != "" && m.TS < oldest { // same width: compares as numbers
			continue
		}
		if thread == "" && m.ThreadTS != "" || thread != "" && m.ThreadTS != thread && m.TS != thread {
			continue
		}
		if channelID(m.Channel) == id || m.Channel == id {
			msgs = append(msgs, map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "metadata": m.Metadata})
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "messages": msgs, "has_more": false})
}

// Call is one chat.postMessage call and Slack's answer.
type Call struct {
	Channel string
	Status  int    // HTTP status
	Error   string // Slack's error, when ok is false
	At      time.Time
}

// Calls returns every chat.postMessage call so far, answered or not.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Messages returns the messages posted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// ListCalls is how often conversations.list was called.
func (s *Server) ListCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listCalls
}

// ts is a new message's Slack timestamp, unique. Called with mu held.
func (s *Server) ts() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq)
}

// SetDelay sets Delay while the server runs.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Delay = d
}

// SetFailNext sets FailNext while the server runs.
func (s *Server) SetFailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.FailNext = n
}

// SetRefuse has the server refuse posts to channel with the Slack error
// given, or, with "", take them again, while it runs.
func (s *Server) SetRefuse(channel, slackError string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slackError == "" {
		delete(s.Refuse, channel)
		return
	}
	s.Refuse[channel] = slackError
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/services/"):
		s.webhook(w, r)
		return
	case strings.HasPrefix(r.URL.Path, "/commands/"):
		s.response(w, r)
		return
	case r.URL.Path == "/socket":
		s.websocket(w, r)
		return
	case r.URL.Path == "/api/apps.connections.open":
		w.Header().Set("Content-Type", "application/json")
		s.connectionsOpen(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/conversations.list":
		s.list(w)
		return
	case "/api/conversations.history":
		r.ParseForm()
		s.history(w, r.Form.Get("channel"), r.Form.Get("oldest"), "")
		return
	case "/api/conversations.replies":
		r.ParseForm()
		if r.Form.Get("ts") == "" {
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "thread_not_found"})
			return
		}
		s.history(w, r.Form.Get("channel"), r.Form.Get("oldest"), r.Form.Get("ts"))
		return
	}
	if r.URL.Path != "/api/chat.postMessage" {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "unknown_method"})
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	delay, hang := s.Delay, false
	defer func() {
		s.mu.Unlock()
		time.Sleep(delay)
		if hang {
			<-r.Context().Done()
		}
	}()
	channel := r.Form.Get("channel")
	call := Call{Channel: channel, Status: http.StatusOK, At: time.Now()}
	defer func() { s.calls = append(s.calls, call) }()
	if s.FailNext > 0 {
		s.FailNext--
		call.Status = http.StatusInternalServerError
		http.Error(w, "upstream trouble", http.StatusInternalServerError)
		return
	}
	if secs, ok := s.RateLimit[channel]; ok {
		delete(s.RateLimit, channel)
		call.Status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", fmt.Sprint(secs))
		w.WriteHeader(http.StatusTooManyRequests)
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "ratelimited"})
		return
	}
	token := r.Form.Get("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if e, ok := s.Refuse[channel]; ok {
		call.Error = e
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": e})
		return
	}
	m := Message{
		Channel: channel, Text: r.Form.Get("text"), Token: token,
		UnfurlLinks: r.Form.Get("unfurl_links"), UnfurlMedia: r.Form.Get("unfurl_media"), ThreadTS: r.Form.Get("thread_ts"),
		TS: s.ts(), At: time.Now(),
	}
	if b := r.Form.Get("blocks"); b != "" {
		if err := json.Unmarshal([]byte(b), &m.Blocks); err != nil {
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_blocks"})
			return
		}
	}
	if md := r.Form.Get("metadata"); md != "" {
		json.Unmarshal([]byte(md), &m.Metadata)
	}
	if s.StoreLateNext > 0 {
		s.StoreLateNext--
		hang = true
		time.AfterFunc(s.StoreLate, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.messages = append(s.messages, m)
		})
		return
	}
	s.messages = append(s.messages, m)
	if s.HangNext > 0 {
		s.HangNext--
		hang = true
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": channel, "ts": m.TS})
}

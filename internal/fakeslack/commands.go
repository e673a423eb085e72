package fakeslack

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Response is a message posted to a slash command's response URL.
type Response struct {
	ID           string // the URL's last part
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

// ResponseURL is a slash command's response URL; what is posted to it is
// in Responses.
func (s *Server) ResponseURL(id string) string { return s.Server.URL + "/commands/" + id }

// Responses are the messages posted to response URLs.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.responses...)
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	var resp Response
	if err := json.NewDecoder(r.Body).Decode(&resp); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	resp.ID = strings.TrimPrefix(r.URL.Path, "/commands/")
	s.mu.Lock()
	s.responses = append(s.responses, resp)
	s.mu.Unlock()
	w.Write([]byte("ok"))
}

// socket is the Socket Mode side of the fake: apps.connections.open, and
// a WebSocket that says hello, carries envelopes to the app and takes its
// acknowledgements.
type socket struct {
	mu    sync.Mutex
	conn  *websocket.Conn
	up    chan struct{} // closed when an app is connected
	acks  map[string]chan json.RawMessage
	next  int
	opens int
}

func (s *Server) socketState() *socket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sock == nil {
		s.sock = &socket{up: make(chan struct{}), acks: map[string]chan json.RawMessage{}}
	}
	return s.sock
}

// connectionsOpen answers apps.connections.open: the app-level token in
// AppToken (any xapp- token when it is empty) gets the WebSocket's URL.
func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	want := s.AppToken
	s.mu.Unlock()
	sock := s.socketState()
	sock.mu.Lock()
	sock.opens++
	sock.mu.Unlock()
	if !strings.HasPrefix(token, "xapp-") {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "not_allowed_token_type"})
		return
	}
	if want != "" && token != want {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.Server.URL, "http") + "/socket"})
}

// ConnectionsOpened counts the calls of apps.connections.open.
func (s *Server) ConnectionsOpened() int {
	sock := s.socketState()
	sock.mu.Lock()
	defer sock.mu.Unlock()
	return sock.opens
}

func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	// slack-go sends an Origin header of its own; Slack takes it.
	conn, err := (&websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	sock := s.socketState()
	sock.mu.Lock()
	sock.conn = conn
	err = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "fakeslack", "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": "A0001"}})
	select {
	case <-sock.up:
	default:
		close(sock.up)
	}
	sock.mu.Unlock()
	if err != nil {
		return
	}
	for {
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		sock.mu.Lock()
		if ch, ok := sock.acks[ack.EnvelopeID]; ok {
			ch <- ack.Payload
			delete(sock.acks, ack.EnvelopeID)
		}
		sock.mu.Unlock()
	}
}

// SlashCommand sends a slash command to the app connected over Socket
// Mode (waiting for one to connect) and returns its acknowledgement's
// payload ("null" for an empty one) and how long the app took to send it.
func (s *Server) SlashCommand(ctx context.Context, command map[string]string) (json.RawMessage, time.Duration, error) {
	sock := s.socketState()
	select {
	case <-sock.up:
	case <-ctx.Done():
		return nil, 0, errors.New("no app connected over Socket Mode")
	}
	sock.mu.Lock()
	sock.next++
	id := fmt.Sprintf("env-%d", sock.next)
	ch := make(chan json.RawMessage, 1)
	sock.acks[id] = ch
	start := time.Now()
	err := sock.conn.WriteJSON(map[string]any{"envelope_id": id, "type": "slash_commands", "accepts_response_payload": true, "payload": command})
	sock.mu.Unlock()
	if err != nil {
		return nil, 0, err
	}
	select {
	case p := <-ch:
		return p, time.Since(start), nil
	case <-ctx.Done():
		return nil, 0, fmt.Errorf("no acknowledgement of envelope %s: %w", id, ctx.Err())
	}
}

// SignedCommand is a slash command request as Slack sends it to an
// app's request URL: form-encoded, signed with the signing secret at the
// time given.
func SignedCommand(endpoint, secret string, at time.Time, form url.Values) (*http.Request, error) {
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req, nil
}

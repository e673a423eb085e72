package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// Slack waits 3 s for the answer to a slash command. One ready within
// ackWithin goes with the acknowledgement; a slower one (a page to fetch)
// follows on the command's response URL.
const (
	ackWithin = 2 * time.Second
	// commandTimeout bounds the work of one command.
	commandTimeout = 2 * time.Minute
	// maxCommandBody is the most of a request to /slack/commands read.
	maxCommandBody = 64 << 10
	// maxCommands is how many commands run at once; more are told to
	// wait.
	maxCommands = 4
)

// commands runs /newsbot commands for the daemon's current app, from the
// HTTP endpoint and from Socket Mode alike.
type commands struct {
	d       *Daemon
	running chan struct{}
	client  *http.Client // for response URLs
}

func newCommands(d *Daemon) *commands {
	return &commands{d: d, running: make(chan struct{}, maxCommands), client: &http.Client{Timeout: 10 * time.Second}}
}

// run answers c: ack gets the reply when it is ready within ackWithin,
// else nil, and the reply goes to responseURL when it is.
func (cs *commands) run(ctx context.Context, c Command, responseURL string, ack func(*slack.WebhookMessage)) {
	// The app of the config in force; during a reload, the new one.
	a := cs.d.app.Load()
	if a != nil && !a.commands.begin() {
		if a = cs.d.app.Load(); a != nil && !a.commands.begin() {
			a = nil
		}
	}
	if a == nil {
		ack(message(Reply{Text: "newsbot is starting or reloading its config; try again in a moment."}))
		return
	}
	select {
	case cs.running <- struct{}{}:
	default:
		a.commands.end()
		ack(message(Reply{Text: "newsbot is busy with other commands; try again in a moment."}))
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commandTimeout)
	done := make(chan Reply, 1)
	go func() {
		defer func() { <-cs.running }()
		defer a.commands.end()
		// A command reads what anyone gives it (a page to check): a
		// failure of newsbot's own is a sentence, not the end of newsbot.
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("a slash command failed", "text", c.Text, "panic", p, "stack", string(debug.Stack()))
				done <- Reply{Text: "newsbot could not do that: it met a problem of its own, which its log describes. Try again, or tell whoever runs newsbot."}
			}
		}()
		done <- a.Command(ctx, c)
	}()
	select {
	case r := <-done:
		cancel()
		ack(message(r))
	case <-time.After(ackWithin):
		ack(nil)
		go func() {
			defer cancel()
			r := <-done
			if err := cs.respond(ctx, responseURL, message(r)); err != nil {
				a.log.Warn("the answer to a slash command could not be posted", "error", err)
			}
		}()
	}
}

// respond posts a late reply to the command's response URL.
func (cs *commands) respond(ctx context.Context, responseURL string, msg *slack.WebhookMessage) error {
	if u, err := url.Parse(responseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("the command came without a response URL")
	}
	return slack.PostWebhookCustomHTTPContext(ctx, responseURL, cs.client, msg)
}

// message is a reply as Slack takes it, in an acknowledgement or on a
// response URL.
func message(r Reply) *slack.WebhookMessage {
	m := &slack.WebhookMessage{Text: r.Text, ResponseType: slack.ResponseTypeEphemeral}
	if r.InChannel {
		m.ResponseType = slack.ResponseTypeInChannel
	}
	return m
}

// ServeHTTP serves POST /slack/commands: a request signed with
// slack.signing_secret, at most 5 minutes old, is answered; any other is
// 401.
func (cs *commands) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a := cs.d.app.Load()
	if a == nil || a.cfg.Slack.SigningSecret == "" {
		http.Error(w, "slash commands are off: slack.signing_secret is not set", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCommandBody+1))
	if err != nil || len(body) > maxCommandBody {
		http.Error(w, "the request could not be read", http.StatusBadRequest)
		return
	}
	v, err := slack.NewSecretsVerifier(r.Header, a.cfg.Slack.SigningSecret)
	if err == nil {
		v.Write(body)
		err = v.Ensure()
	}
	if err != nil {
		a.log.Warn("refused a slash command request", "reason", refusal(err), "remote", r.RemoteAddr)
		http.Error(w, "not signed by Slack with this app's signing secret, or more than 5 minutes old", http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sc, err := slack.SlashCommandParse(r)
	if err != nil {
		http.Error(w, "not a slash command", http.StatusBadRequest)
		return
	}
	cs.run(r.Context(), commandOf(sc), sc.ResponseURL, func(m *slack.WebhookMessage) {
		if m == nil {
			w.WriteHeader(http.StatusOK) // acknowledged; the answer follows
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(m)
	})
}

// refusal says in a few words why a request was not Slack's.
func refusal(err error) string {
	return say(err, []saying{
		{slack.ErrExpiredTimestamp, "more than 5 minutes old (or the clocks differ)"},
		{slack.ErrInvalidSignature, "wrong signature"},
		{slack.ErrMissingHeaders, "not signed"},
	})
}

func commandOf(sc slack.SlashCommand) Command {
	return Command{Text: sc.Text, UserID: sc.UserID, UserName: sc.UserName, ChannelID: sc.ChannelID}
}

// socketMode answers /newsbot over Socket Mode with the app-level token,
// until ctx ends: it connects, and connects again after a failure, a
// little later each time.
func (cs *commands) socketMode(ctx context.Context, appToken, botToken, apiURL string, log *slog.Logger) {
	api := slack.New(botToken, slack.OptionAppLevelToken(appToken), slack.OptionAPIURL(apiURL))
	wait := time.Second
	for ctx.Err() == nil {
		client := socketmode.New(api)
		connected := make(chan struct{}, 1)
		runCtx, stop := context.WithCancel(ctx)
		go cs.socketEvents(runCtx, client, connected, log)
		err := client.RunContext(runCtx)
		stop()
		if ctx.Err() != nil {
			return
		}
		select {
		case <-connected:
			wait = time.Second // it worked for a while: a new failure
		default:
		}
		switch msg := err.Error(); msg {
		case "invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type":
			log.Error("Slack refused slack.app_token: /newsbot over Socket Mode is off until the config has a valid one", "error", msg)
			return
		}
		log.Warn("Socket Mode connection to Slack lost; connecting again", "error", err, "in", wait)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return
		}
		wait = min(2*wait, 2*time.Minute)
	}
}

// socketEvents answers the slash commands that come over the connection.
func (cs *commands) socketEvents(ctx context.Context, client *socketmode.Client, connected chan<- struct{}, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-client.Events:
			switch ev.Type {
			case socketmode.EventTypeConnected:
				log.Info("Socket Mode connected: answering /newsbot")
				select {
				case connected <- struct{}{}:
				default:
				}
			case socketmode.EventTypeSlashCommand:
				sc, ok := ev.Data.(slack.SlashCommand)
				if !ok || ev.Request == nil {
					continue
				}
				req := *ev.Request
				go cs.run(ctx, commandOf(sc), sc.ResponseURL, func(m *slack.WebhookMessage) {
					var payload any
					if m != nil {
						payload = m
					}
					// Past Slack's 3 s an acknowledgement is of no use;
					// and a connection gone takes none.
					actx, cancel := context.WithTimeout(ctx, 3*time.Second)
					defer cancel()
					if err := client.AckCtx(actx, req.EnvelopeID, payload); err != nil {
						log.Warn("a slash command could not be acknowledged", "error", err)
					}
				})
			case socketmode.EventTypeConnectionError:
				if e, ok := ev.Data.(*slack.ConnectionErrorEvent); ok {
					log.Warn("Socket Mode could not connect to Slack; trying again", "attempt", e.Attempt, "in", e.Backoff, "error", e.ErrorObj)
				}
			}
		}
	}
}

// slashKey is what Socket Mode connects with: "" when the config has no
// app token.
func slashKey(c *App) string {
	if c == nil || c.cfg.Slack.AppToken == "" {
		return ""
	}
	return strings.Join([]string{c.cfg.Slack.AppToken, c.cfg.Slack.Token, c.cfg.Slack.APIURL}, "\x00")
}

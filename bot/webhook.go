package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/newsbot/newsbot/news"
)

// Webhook sends alerts through a Slack incoming webhook, for teams that
// cannot install an app. Every message goes to the webhook's own channel;
// a webhook cannot reply in a thread (follow-ups are messages of their
// own) nor read the channel's history (an alert cut short by a crash may
// be posted twice).
type Webhook struct {
	url    string
	client *http.Client
}

// NewWebhook returns a notifier posting to the incoming webhook's URL
// with the given timeout per call.
func NewWebhook(url string, timeout time.Duration) *Webhook {
	return &Webhook{url: url, client: &http.Client{Timeout: timeout}}
}

// Send posts the alert. It returns no message ts: a webhook gives none.
func (w *Webhook) Send(ctx context.Context, a *news.Alert) (string, error) {
	no := false
	return "", w.post(ctx, &slack.WebhookMessage{
		Text:        Fallback(a),
		Blocks:      &slack.Blocks{BlockSet: Blocks(a)},
		UnfurlLinks: &no,
		UnfurlMedia: &no,
	})
}

// Notice posts an operational message; the webhook's channel is the only
// one it reaches, so the text says which channel it was meant for.
func (w *Webhook) Notice(ctx context.Context, channel, text string) error {
	return w.post(ctx, &slack.WebhookMessage{Text: Escape(fmt.Sprintf("[for %s] %s", channel, text))})
}

// post sends the message with slack-go's WebhookMessage and reads
// Slack's answer itself, since the reason for a refusal is in its body
// ("no_service", "invalid_payload"), which slack-go's PostWebhook drops.
func (w *Webhook) post(ctx context.Context, msg *slack.WebhookMessage) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return &SendError{Kind: Permanent, Reason: "marshal", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		// The error would quote the URL, which holds the secret.
		return &SendError{Kind: Stop, Reason: "webhook_url", Err: errors.New("webhook: slack.webhook_url is not a valid URL")}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.client.Do(req)
	if err != nil {
		// The URL holds the webhook's secret: keep it out of the log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Classify(fmt.Errorf("webhook: %w", err))
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	// Slack answers with an error code ("no_service"); anything else (a
	// proxy's HTML page) is not worth a log line.
	reason := strings.TrimSpace(string(text))
	if len(reason) > 64 || strings.ContainsAny(reason, " <\n") {
		reason = "unexpected answer"
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	err = fmt.Errorf("webhook: %s: %s", resp.Status, reason)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		secs, perr := strconv.Atoi(resp.Header.Get("Retry-After"))
		if perr != nil || secs < 1 {
			secs = 1
		}
		return &SendError{Kind: RateLimited, Reason: reason, RetryAfter: time.Duration(secs) * time.Second, Err: err}
	case resp.StatusCode >= 500:
		return &SendError{Kind: Unsure, Reason: reason, Err: err}
	case resp.StatusCode == http.StatusBadRequest:
		// This message: too long, or blocks Slack will not take.
		return &SendError{Kind: Permanent, Reason: reason, Err: err}
	default:
		// 403 invalid_token or action_prohibited, 404 no_service or
		// channel_not_found, 410 channel_is_archived: no message can
		// get through this webhook.
		return &SendError{Kind: Stop, Reason: reason, Err: err}
	}
}

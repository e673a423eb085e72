package bot

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// Kind is how a send failed, each with its remedy.
type Kind int

const (
	// Retry: not posted (Slack said no, or no connection was made); try
	// again after the channel has rested.
	Retry Kind = iota
	// Unsure: perhaps posted (the request went out and no answer said no:
	// a timeout, a dropped connection, a 5xx); look in the channel before
	// trying again. Reason is set when Slack answered (a 5xx): then what
	// it took is in the channel already; with no answer, it may show
	// there only later.
	Unsure
	// RateLimited: Slack asked to leave the channel alone for RetryAfter.
	RateLimited
	// Permanent: this alert can never be sent (an unknown channel, a
	// message too long); park it.
	Permanent
	// Stop: Slack refuses newsbot itself (a bad or revoked token, an
	// api_url that is no Slack API, a removed webhook); no alert can be
	// sent until the config changes.
	Stop
)

func (k Kind) String() string {
	return [...]string{"retry", "unsure", "rate_limited", "permanent", "stop"}[k]
}

// SendError is a failed send: its Kind, Slack's reason ("channel_not_found",
// an HTTP status), and for RateLimited how long Slack asked to wait.
type SendError struct {
	Kind       Kind
	Reason     string
	RetryAfter time.Duration
	Err        error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Classify is what err, from a send or a lookup, means: nil for nil; a
// SendError as it is; anything else judged by what Slack (or the network)
// said.
func Classify(err error) *SendError {
	if err == nil {
		return nil
	}
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	e := &SendError{Kind: Unsure, Err: err}
	var rl *slack.RateLimitedError
	var api slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var op *net.OpError
	switch {
	case errors.As(err, &rl):
		e.Kind, e.RetryAfter = RateLimited, rl.RetryAfter
	case errors.As(err, &api):
		e.Reason = api.Err
		switch {
		case stopErrors[api.Err]:
			e.Kind = Stop
		case permanentErrors[api.Err]:
			e.Kind = Permanent
		default:
			e.Kind = Retry // Slack said no: nothing was posted
		}
	case errors.As(err, &sc) && sc.Code >= 400 && sc.Code < 500:
		e.Reason = sc.Status
		// A 4xx from the API itself (not Slack's ok:false) means a wrong
		// api_url or a proxy in the way: no alert can get through. A 429
		// without Retry-After, or a 408, refused this one only.
		e.Kind = Stop
		if sc.Code == http.StatusTooManyRequests || sc.Code == http.StatusRequestTimeout {
			e.Kind = Retry
		}
	case errors.As(err, &sc) && sc.Code >= 500:
		e.Reason = sc.Status // Unsure, but answered: see Kind
	case errors.As(err, &op) && op.Op == "dial":
		e.Kind = Retry // no connection: nothing went out
	}
	return e
}

// stopErrors are Slack API errors that stop all sending.
var stopErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"token_expired": true, "no_permission": true, "missing_scope": true, "team_access_not_granted": true,
	"ekm_access_denied": true,
}

// permanentErrors are Slack API errors that no retry of that alert mends.
var permanentErrors = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true,
	"msg_too_long": true, "msg_blocks_too_long": true, "invalid_blocks": true,
	"invalid_blocks_format": true, "no_text": true, "restricted_action": true, "invalid_arguments": true, "invalid_metadata_format": true,
	"invalid_metadata_schema": true, "metadata_too_large": true, "too_many_attachments": true,
	"channel_is_archived": true, "restricted_action_read_only_channel": true,
}

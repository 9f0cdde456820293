package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// BrevoConfig configures the Brevo endpoint. Brevo does not sign its
// webhooks; a webhook is given either a bearer token or Basic
// credentials in its URL. Set Token, or User and Password, not both.
type BrevoConfig struct {
	// Token is the bearer token the webhook sends in Authorization.
	Token string
	// User and Password are the Basic credentials in the webhook URL.
	User, Password string
}

// Brevo reads Brevo's transactional webhook events.
type Brevo struct{ cfg BrevoConfig }

// NewBrevo returns the Brevo provider for cfg.
func NewBrevo(cfg BrevoConfig) (*Brevo, error) {
	basic := cfg.User != "" || cfg.Password != ""
	switch {
	case cfg.Token != "" && basic:
		return nil, errors.New("provider: brevo: set a token or Basic credentials, not both")
	case cfg.Token == "" && (cfg.User == "" || cfg.Password == ""):
		return nil, errors.New("provider: brevo: a token, or both a user and a password, are required")
	}
	return &Brevo{cfg: cfg}, nil
}

// Name implements Provider.
func (*Brevo) Name() string { return "brevo" }

func (b *Brevo) challenge() string {
	if b.cfg.Token != "" {
		return `Bearer realm="dripcourse brevo webhook"`
	}
	return `Basic realm="dripcourse brevo webhook"`
}

// Reports implements Provider.
func (b *Brevo) Reports(r *http.Request, body []byte) ([]bounce.Report, error) {
	var err error
	if b.cfg.Token != "" {
		err = checkBearer(r, "brevo", b.cfg.Token)
	} else {
		err = checkBasic(r, "brevo", b.cfg.User, b.cfg.Password)
	}
	if err != nil {
		return nil, err
	}
	return brevoReports(body)
}

type brevoEvent struct {
	Event     string  `json:"event"`
	Email     string  `json:"email"`
	MessageID string  `json:"message-id"`
	TSEvent   float64 `json:"ts_event"`
	TSEpoch   float64 `json:"ts_epoch"`
	Reason    string  `json:"reason"`
}

// brevoReports reads one event, or an array of them from a batched
// webhook. Brevo events carry no id of their own (their "id" is the
// webhook's), so a report's EventID is built from the event, the message,
// the time and the recipient.
func brevoReports(body []byte) ([]bounce.Report, error) {
	var events []brevoEvent
	var err error
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && trimmed[0] == '[' {
		err = json.Unmarshal(body, &events)
	} else {
		events = make([]brevoEvent, 1)
		err = json.Unmarshal(body, &events[0])
	}
	if err != nil {
		return nil, fmt.Errorf("%w: brevo: %w", ErrMalformed, err)
	}
	var out []bounce.Report
	for _, ev := range events {
		if r, ok := ev.report(); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (ev *brevoEvent) report() (bounce.Report, bool) {
	r := bounce.Report{Source: "brevo", Recipient: address(ev.Email), MessageID: messageID(ev.MessageID),
		Diagnostic: text(ev.Reason, maxDiagnostic), Status: enhancedStatus(ev.Reason),
		At: firstTime(unixTime(ev.TSEvent), unixTime(ev.TSEpoch/1000)), Action: "failed"}
	stamp := strconv.FormatFloat(firstNonZero(ev.TSEpoch, ev.TSEvent), 'f', -1, 64)
	r.EventID = eventID(short(ev.Event, maxShort)+"/"+r.MessageID+"/"+stamp, r.Recipient)
	switch ev.Event {
	case "hard_bounce":
		r.Kind, r.OurSending = kindOf(permanent, &r)
	case "soft_bounce":
		r.Kind, r.OurSending = kindOf(transient, &r)
	case "invalid_email":
		r.Kind = bounce.Hard
	case "spam", "complaint":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case "blocked", "error":
		r.Kind = bounce.Ignore
	case "deferred":
		r.Kind, r.Action = bounce.Ignore, "delayed"
	case "delivered":
		r.Kind, r.Action = bounce.Ignore, "delivered"
	default:
		return r, false
	}
	return r, true
}

func firstNonZero(fs ...float64) float64 {
	for _, f := range fs {
		if f != 0 {
			return f
		}
	}
	return 0
}

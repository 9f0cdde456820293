package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// MailgunConfig configures the Mailgun endpoint. Mailgun signs each
// webhook body: signature.signature is the hex HMAC-SHA256, under the
// account's webhook signing key, of signature.timestamp followed by
// signature.token.
type MailgunConfig struct {
	// SigningKey is the HTTP webhook signing key. Required. For a
	// subaccount's domain, the parent account's key verifies the
	// parent-signature Mailgun adds.
	SigningKey string
	// MaxAge is how far the signed timestamp may be from now (zero:
	// DefaultMaxAge).
	MaxAge time.Duration
	// Replays remembers tokens already used; nil means a MemoryReplays.
	Replays Replays
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Mailgun reads Mailgun's failed, complained and delivered events.
type Mailgun struct {
	key     []byte
	maxAge  time.Duration
	replays Replays
	now     func() time.Time
}

// NewMailgun returns the Mailgun provider for cfg.
func NewMailgun(cfg MailgunConfig) (*Mailgun, error) {
	if cfg.SigningKey == "" {
		return nil, errors.New("provider: mailgun: the webhook signing key is required")
	}
	m := &Mailgun{key: []byte(cfg.SigningKey), maxAge: cfg.MaxAge, replays: cfg.Replays, now: clockOr(cfg.Now)}
	if m.maxAge <= 0 {
		m.maxAge = DefaultMaxAge
	}
	if m.replays == nil {
		m.replays = NewMemoryReplays(m.now, 0)
	}
	return m, nil
}

// Name implements Provider.
func (*Mailgun) Name() string { return "mailgun" }

// mailgunBody is a webhook body: the signature and one event.
type mailgunBody struct {
	Signature struct {
		Timestamp       flexString `json:"timestamp"`
		Token           string     `json:"token"`
		Signature       string     `json:"signature"`
		ParentSignature string     `json:"parent-signature"`
	} `json:"signature"`
	Event *mailgunEvent `json:"event-data"`
}

type mailgunEvent struct {
	ID             string  `json:"id"`
	Timestamp      float64 `json:"timestamp"`
	Event          string  `json:"event"`
	Severity       string  `json:"severity"`
	Reason         string  `json:"reason"`
	Recipient      string  `json:"recipient"`
	DeliveryStatus struct {
		Code         int    `json:"code"`
		Message      string `json:"message"`
		Description  string `json:"description"`
		EnhancedCode string `json:"enhanced-code"`
	} `json:"delivery-status"`
	Message struct {
		Headers struct {
			MessageID string `json:"message-id"`
		} `json:"headers"`
	} `json:"message"`
}

// flexString takes a JSON string or number as text: Mailgun documents
// the signed timestamp as a number and sends it as a string.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or a number: %w", err)
	}
	*f = flexString(n.String())
	return nil
}

// Reports implements Provider.
func (m *Mailgun) Reports(_ *http.Request, body []byte) ([]bounce.Report, error) {
	var b mailgunBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("%w: mailgun: %w", ErrMalformed, err)
	}
	if err := m.verify(&b); err != nil {
		return nil, err
	}
	if b.Event == nil {
		return nil, fmt.Errorf("%w: mailgun: no event-data", ErrMalformed)
	}
	return b.Event.reports(), nil
}

// verify checks the signature, the timestamp's freshness and the token's
// first use, in that order, so that only signed tokens are remembered.
func (m *Mailgun) verify(b *mailgunBody) error {
	s := &b.Signature
	if s.Token == "" || s.Signature == "" || s.Timestamp == "" {
		return fmt.Errorf("%w: mailgun: no signature, token or timestamp", ErrUnauthenticated)
	}
	mac := hmac.New(sha256.New, m.key)
	mac.Write([]byte(string(s.Timestamp) + s.Token))
	want := mac.Sum(nil)
	if !hexEqual(s.Signature, want) && !hexEqual(s.ParentSignature, want) {
		return fmt.Errorf("%w: mailgun: signature does not match the signing key", ErrUnauthenticated)
	}
	signed, err := fresh("mailgun", string(s.Timestamp), m.now(), m.maxAge)
	if err != nil {
		return err
	}
	if !m.replays.Use("mailgun:"+s.Token, signed.Add(m.maxAge)) {
		return fmt.Errorf("%w: mailgun: token already used (a replayed request)", ErrUnauthenticated)
	}
	return nil
}

// release forgets the token of a request whose reports were not
// recorded, so that Mailgun's retry of it is taken.
func (m *Mailgun) release(_ *http.Request, body []byte) {
	var b mailgunBody
	if json.Unmarshal(body, &b) == nil && b.Signature.Token != "" {
		m.replays.Forget("mailgun:" + b.Signature.Token)
	}
}

// hexEqual compares a hex signature with a MAC in constant time.
func hexEqual(sig string, mac []byte) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	return err == nil && hmac.Equal(got, mac)
}

// reports turns one event into its report; events other than failed,
// complained and delivered yield none.
func (ev *mailgunEvent) reports() []bounce.Report {
	r := bounce.Report{Source: "mailgun", Recipient: address(ev.Recipient), EventID: ident(ev.ID),
		MessageID: messageID(ev.Message.Headers.MessageID), At: unixTime(ev.Timestamp)}
	ds := ev.DeliveryStatus
	detail := firstOf(ds.Message, ds.Description)
	if ds.Code != 0 {
		detail = strconv.Itoa(ds.Code) + " " + detail
	}
	r.Diagnostic = text(detail, maxDiagnostic)
	r.Status = firstOf(validStatus(ds.EnhancedCode), enhancedStatus(ds.Message), enhancedStatus(ds.Description))
	switch ev.Event {
	case "failed":
		mailgunFailure(&r, ev.Severity, ev.Reason)
	case "complained":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case "delivered":
		r.Kind, r.Action = bounce.Ignore, "delivered"
	default:
		return nil
	}
	return []bounce.Report{r}
}

// mailgunFailure classifies a failed event. A temporary failure is one
// Mailgun will retry, so it is a delay, not a bounce; Mailgun reports a
// permanent failure with the reason "old" when it gives up. Failures for
// addresses already on Mailgun's suppression lists repeat what they say.
func mailgunFailure(r *bounce.Report, severity, reason string) {
	r.Action = "failed"
	switch {
	case reason == "suppress-complaint":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case reason == "suppress-unsubscribe":
		r.Kind = bounce.Ignore
	case reason == "suppress-bounce":
		r.Kind = bounce.Hard
	case reason == "espblock":
		r.Kind, r.OurSending = bounce.Soft, true
	case severity == "permanent":
		r.Kind, r.OurSending = kindOf(permanent, r)
	default:
		r.Kind, r.Action = bounce.Ignore, "delayed"
	}
}

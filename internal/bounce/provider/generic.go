package provider

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// The generic endpoint's headers.
const (
	GenericTimestampHeader = "X-Drip-Timestamp"
	GenericSignatureHeader = "X-Drip-Signature"
)

// maxGenericEvents caps the events of one generic request.
const maxGenericEvents = 1000

// GenericConfig configures the generic JSON endpoint, for mail systems
// without a provider of their own here. A request carries
//
//	X-Drip-Timestamp: <Unix seconds>
//	X-Drip-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// and a body of the form
//
//	{"events": [{"id": "...", "type": "bounce", "severity": "permanent",
//	  "recipient": "a@example.org", "status": "5.1.1",
//	  "diagnostic": "550 5.1.1 no such user", "message_id": "<...>",
//	  "feedback_type": "", "at": "2026-03-10T11:58:00Z"}]}
//
// where type is bounce, complaint, delivered or delayed; severity (for a
// bounce) is permanent, temporary or absent; id is required and unique
// per event; recipient or message_id is required. Unknown fields and
// types are refused, so that a typo is not read as nothing.
type GenericConfig struct {
	// Secret is the shared HMAC key, at least 16 bytes. Required.
	Secret string
	// MaxAge is how far the signed timestamp may be from now (zero:
	// DefaultMaxAge).
	MaxAge time.Duration
	// Replays remembers signatures already used; nil means a
	// MemoryReplays.
	Replays Replays
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Generic reads the generic JSON format.
type Generic struct {
	secret  []byte
	maxAge  time.Duration
	replays Replays
	now     func() time.Time
}

// NewGeneric returns the generic provider for cfg.
func NewGeneric(cfg GenericConfig) (*Generic, error) {
	if len(cfg.Secret) < 16 {
		return nil, errors.New("provider: generic: the webhook secret must be at least 16 bytes")
	}
	g := &Generic{secret: []byte(cfg.Secret), maxAge: cfg.MaxAge, replays: cfg.Replays, now: clockOr(cfg.Now)}
	if g.maxAge <= 0 {
		g.maxAge = DefaultMaxAge
	}
	if g.replays == nil {
		g.replays = NewMemoryReplays(g.now, 0)
	}
	return g, nil
}

// Name implements Provider.
func (*Generic) Name() string { return "generic" }

// GenericSignature is the X-Drip-Signature value for body sent at stamp
// (Unix seconds), for senders written in Go and for tests.
func GenericSignature(secret, stamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, stamp+".")
	mac.Write(body)
	return fmt.Sprintf("sha256=%x", mac.Sum(nil))
}

// Reports implements Provider.
func (g *Generic) Reports(r *http.Request, body []byte) ([]bounce.Report, error) {
	if err := g.verify(r, body); err != nil {
		return nil, err
	}
	return genericReports(body)
}

func (g *Generic) verify(r *http.Request, body []byte) error {
	stamp, sig := r.Header.Get(GenericTimestampHeader), r.Header.Get(GenericSignatureHeader)
	if stamp == "" || sig == "" {
		return fmt.Errorf("%w: generic: no %s or %s header", ErrUnauthenticated, GenericTimestampHeader, GenericSignatureHeader)
	}
	hexSig, ok := strings.CutPrefix(strings.TrimSpace(sig), "sha256=")
	want := GenericSignature(string(g.secret), stamp, body)
	if !ok || !hmac.Equal([]byte("sha256="+strings.ToLower(hexSig)), []byte(want)) {
		return fmt.Errorf("%w: generic: signature does not match the secret", ErrUnauthenticated)
	}
	signed, err := fresh("generic", stamp, g.now(), g.maxAge)
	if err != nil {
		return err
	}
	if !g.replays.Use("generic:"+want, signed.Add(g.maxAge)) {
		return fmt.Errorf("%w: generic: signature already used (a replayed request)", ErrUnauthenticated)
	}
	return nil
}

// release forgets the signature of a request whose reports were not
// recorded, so that the sender's retry of it is taken.
func (g *Generic) release(r *http.Request, body []byte) {
	g.replays.Forget("generic:" + GenericSignature(string(g.secret), r.Header.Get(GenericTimestampHeader), body))
}

type genericEvent struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	Severity     string `json:"severity"`
	Recipient    string `json:"recipient"`
	Status       string `json:"status"`
	Diagnostic   string `json:"diagnostic"`
	MessageID    string `json:"message_id"`
	FeedbackType string `json:"feedback_type"`
	At           string `json:"at"`
}

// genericReports reads the body strictly: an unknown field, type or
// severity refuses the whole request, which the sender can fix and send
// again.
func genericReports(body []byte) ([]bounce.Report, error) {
	var b struct {
		Events []genericEvent `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("%w: generic: %w", ErrMalformed, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: generic: data after the JSON object", ErrMalformed)
	}
	if len(b.Events) > maxGenericEvents {
		return nil, fmt.Errorf("%w: generic: %d events, at most %d per request", ErrMalformed, len(b.Events), maxGenericEvents)
	}
	out := make([]bounce.Report, 0, len(b.Events))
	for i, ev := range b.Events {
		r, err := ev.report()
		if err != nil {
			return nil, fmt.Errorf("%w: generic: event %d: %w", ErrMalformed, i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (ev *genericEvent) report() (bounce.Report, error) {
	r := bounce.Report{Source: "generic", EventID: ident(ev.ID), Recipient: address(ev.Recipient),
		MessageID: messageID(ev.MessageID), Diagnostic: text(ev.Diagnostic, maxDiagnostic),
		Status: validStatus(ev.Status), FeedbackType: short(ev.FeedbackType, maxShort)}
	switch {
	case r.EventID == "":
		return r, errors.New("no id")
	case r.Recipient == "" && r.MessageID == "":
		return r, errors.New("neither a usable recipient nor a message_id")
	case ev.Status != "" && r.Status == "":
		return r, fmt.Errorf("status %q is not an enhanced status code", short(ev.Status, maxShort))
	case ev.At != "" && isoTime(ev.At).IsZero():
		return r, fmt.Errorf("at %q is not an RFC 3339 time", short(ev.At, maxShort))
	}
	r.At = isoTime(ev.At)
	return r, genericKind(&r, ev.Type, ev.Severity)
}

func genericKind(r *bounce.Report, typ, severity string) error {
	v, ok := map[string]verdict{"permanent": permanent, "temporary": transient, "": undetermined}[severity]
	if !ok {
		return fmt.Errorf("severity %q is not permanent or temporary", short(severity, maxShort))
	}
	switch typ {
	case "bounce":
		r.Action = "failed"
		r.Kind, r.OurSending = kindOf(v, r)
	case "complaint":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case "delivered", "delayed":
		r.Kind, r.Action = bounce.Ignore, typ
	default:
		return fmt.Errorf("type %q is not bounce, complaint, delivered or delayed", short(typ, maxShort))
	}
	return nil
}

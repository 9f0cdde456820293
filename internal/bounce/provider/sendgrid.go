package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// The headers of SendGrid's Signed Event Webhook.
const (
	sendgridSignature = "X-Twilio-Email-Event-Webhook-Signature"
	sendgridTimestamp = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// SendGridConfig configures the SendGrid endpoint. SendGrid's Signed
// Event Webhook signs the timestamp header followed by the raw body with
// ECDSA P-256 and SHA-256, and sends the base64 DER signature in a header.
type SendGridConfig struct {
	// VerificationKey is the public key SendGrid shows when signing is
	// enabled: base64 of its DER form, or PEM. Required.
	VerificationKey string
	// MaxAge is how far the signed timestamp may be from now (zero:
	// DefaultMaxAge).
	MaxAge time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// SendGrid reads SendGrid's bounce, dropped, deferred, spamreport and
// delivered events.
type SendGrid struct {
	key    *ecdsa.PublicKey
	maxAge time.Duration
	now    func() time.Time
}

// NewSendGrid returns the SendGrid provider for cfg.
func NewSendGrid(cfg SendGridConfig) (*SendGrid, error) {
	key, err := parseECKey(cfg.VerificationKey)
	if err != nil {
		return nil, err
	}
	return &SendGrid{key: key, maxAge: cfg.MaxAge, now: clockOr(cfg.Now)}, nil
}

// parseECKey reads a P-256 public key from base64 DER or PEM.
func parseECKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("provider: sendgrid: the verification key is required")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("provider: sendgrid: verification key is neither PEM nor base64: %w", err)
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("provider: sendgrid: verification key: %w", err)
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, errors.New("provider: sendgrid: verification key is not an ECDSA P-256 key")
	}
	return key, nil
}

// Name implements Provider.
func (*SendGrid) Name() string { return "sendgrid" }

// Reports implements Provider.
func (s *SendGrid) Reports(r *http.Request, body []byte) ([]bounce.Report, error) {
	if err := s.verify(r, body); err != nil {
		return nil, err
	}
	return sendgridReports(body)
}

func (s *SendGrid) verify(r *http.Request, body []byte) error {
	sig64, stamp := r.Header.Get(sendgridSignature), r.Header.Get(sendgridTimestamp)
	if sig64 == "" || stamp == "" {
		return fmt.Errorf("%w: sendgrid: no %s or %s header", ErrUnauthenticated, sendgridSignature, sendgridTimestamp)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig64))
	if err != nil {
		return fmt.Errorf("%w: sendgrid: signature is not base64", ErrUnauthenticated)
	}
	h := sha256.New()
	h.Write([]byte(stamp))
	h.Write(body)
	if !ecdsa.VerifyASN1(s.key, h.Sum(nil), sig) {
		return fmt.Errorf("%w: sendgrid: signature does not verify with the verification key", ErrUnauthenticated)
	}
	_, err = fresh("sendgrid", stamp, s.now(), s.maxAge)
	return err
}

// sendgridEvent is one event of the posted array.
type sendgridEvent struct {
	Email     string  `json:"email"`
	Timestamp float64 `json:"timestamp"`
	SMTPID    string  `json:"smtp-id"`
	Event     string  `json:"event"`
	EventID   string  `json:"sg_event_id"`
	Reason    string  `json:"reason"`
	Status    string  `json:"status"`
	Type      string  `json:"type"`
	Response  string  `json:"response"`
}

// sendgridReports reads the posted array; events other than bounce,
// dropped, deferred, spamreport and delivered yield no report.
func sendgridReports(body []byte) ([]bounce.Report, error) {
	var events []sendgridEvent
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, fmt.Errorf("%w: sendgrid: %w", ErrMalformed, err)
	}
	var out []bounce.Report
	for _, ev := range events {
		r := bounce.Report{Source: "sendgrid", Recipient: address(ev.Email), MessageID: messageID(ev.SMTPID),
			EventID: ident(ev.EventID), At: unixTime(ev.Timestamp)}
		r.Status = firstOf(validStatus(ev.Status), enhancedStatus(ev.Reason), enhancedStatus(ev.Response))
		r.Diagnostic = text(firstOf(ev.Reason, ev.Response), maxDiagnostic)
		if sendgridKind(&r, ev) {
			out = append(out, r)
		}
	}
	return out, nil
}

// sendgridKind classifies one event and reports whether it is kept.
// A bounce of type "blocked" is SendGrid's soft bounce; a dropped
// message repeats what SendGrid's suppression lists already say.
func sendgridKind(r *bounce.Report, ev sendgridEvent) bool {
	r.Action = "failed"
	switch ev.Event {
	case "bounce":
		v := permanent
		if ev.Type == "blocked" {
			v = transient
		}
		r.Kind, r.OurSending = kindOf(v, r)
	case "dropped":
		sendgridDropped(r, ev.Reason)
	case "deferred":
		r.Kind, r.Action = bounce.Ignore, "delayed"
	case "spamreport":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case "delivered":
		r.Kind, r.Action = bounce.Ignore, "delivered"
	default:
		return false
	}
	return true
}

func sendgridDropped(r *bounce.Report, reason string) {
	switch {
	case reason == "Bounced Address" || reason == "Invalid":
		r.Kind = bounce.Hard
	case reason == "Spam Reporting Address":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case strings.HasPrefix(reason, "Spam Content"):
		r.Kind, r.OurSending = bounce.Soft, true
	default:
		r.Kind = bounce.Ignore
	}
}

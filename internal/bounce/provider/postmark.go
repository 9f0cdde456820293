package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// PostmarkConfig configures the Postmark endpoint. Postmark does not sign
// its webhooks; it sends the credentials written into the webhook's URL
// (https://user:password@host/path) as HTTP Basic authentication.
type PostmarkConfig struct {
	// User and Password are the Basic credentials in the webhook URL.
	// Both are required.
	User, Password string
	// AllowedNets, when not empty, also refuses requests from outside
	// these networks (Postmark publishes the addresses its webhooks come
	// from) with 403.
	AllowedNets []netip.Prefix
}

// Postmark reads Postmark's Bounce, SpamComplaint and Delivery webhooks.
type Postmark struct{ cfg PostmarkConfig }

// NewPostmark returns the Postmark provider for cfg.
func NewPostmark(cfg PostmarkConfig) (*Postmark, error) {
	if cfg.User == "" || cfg.Password == "" {
		return nil, errors.New("provider: postmark: webhook user and password are both required")
	}
	return &Postmark{cfg: cfg}, nil
}

// Name implements Provider.
func (*Postmark) Name() string { return "postmark" }

func (*Postmark) challenge() string { return `Basic realm="dripcourse postmark webhook"` }

// postmarkEvent is one webhook body. ID is a json.Number because bounce
// ids exceed what a float64 holds exactly.
type postmarkEvent struct {
	RecordType  string
	ID          json.Number
	Type        string
	MessageID   string
	Metadata    map[string]string
	Details     string
	Description string
	Email       string
	Recipient   string
	BouncedAt   string
	DeliveredAt string
	Content     string
}

// Reports implements Provider.
func (p *Postmark) Reports(r *http.Request, body []byte) ([]bounce.Report, error) {
	if err := checkNets(r, "postmark", p.cfg.AllowedNets); err != nil {
		return nil, err
	}
	if err := checkBasic(r, "postmark", p.cfg.User, p.cfg.Password); err != nil {
		return nil, err
	}
	return postmarkReports(body)
}

// postmarkReports reads one webhook body; record types other than
// Bounce, SpamComplaint and Delivery (opens, clicks, subscription
// changes) yield no report.
func postmarkReports(body []byte) ([]bounce.Report, error) {
	var ev postmarkEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("%w: postmark: %w", ErrMalformed, err)
	}
	r := bounce.Report{Source: "postmark", MessageID: ev.originalID()}
	switch ev.RecordType {
	case "Bounce", "SpamComplaint":
		if ev.ID.String() == "" {
			return nil, fmt.Errorf("%w: postmark: %s without an ID", ErrMalformed, ev.RecordType)
		}
		r.Recipient = address(ev.Email)
		r.EventID = ident(ev.ID.String())
		r.At = isoTime(ev.BouncedAt)
		r.Diagnostic = text(firstOf(ev.Details, ev.Description), maxDiagnostic)
		r.Status = firstOf(enhancedStatus(ev.Details), enhancedStatus(ev.Content))
		postmarkKind(&r, ev.RecordType, ev.Type)
	case "Delivery":
		r.Recipient = address(ev.Recipient)
		r.EventID = eventID("delivered/"+ev.MessageID, r.Recipient)
		r.At = isoTime(ev.DeliveredAt)
		r.Diagnostic = text(ev.Details, maxDiagnostic)
		r.Kind, r.Action = bounce.Ignore, "delivered"
	default:
		return nil, nil
	}
	return []bounce.Report{r}, nil
}

// postmarkKind sets Kind, Action and OurSending from Postmark's bounce
// Type. Types that are not failures of the reader's address (auto
// replies, challenge messages, Postmark's own refusals) are Ignore.
func postmarkKind(r *bounce.Report, record, typ string) {
	r.Action = "failed"
	switch {
	case record == "SpamComplaint" || typ == "SpamComplaint":
		r.Kind, r.Action = bounce.Complaint, "complaint"
	case typ == "HardBounce" || typ == "BadEmailAddress":
		r.Kind, r.OurSending = kindOf(permanent, r)
	case typ == "SoftBounce" || typ == "Transient" || typ == "DnsError":
		r.Kind, r.OurSending = kindOf(transient, r)
	case typ == "Unknown":
		r.Kind, r.OurSending = kindOf(undetermined, r)
	case typ == "Blocked" || typ == "DMARCPolicy" || typ == "SpamNotification":
		r.Kind, r.OurSending = bounce.Soft, true
	default:
		r.Kind, r.Action = bounce.Ignore, ""
	}
}

// originalID looks for the Message-ID dripcourse set. Postmark's
// MessageID is its own; the original one comes back only in Metadata
// (when sent as an X-PM-Metadata-drip-message-id header) or in the
// bounce's Content, present when the webhook includes it.
func (ev *postmarkEvent) originalID() string {
	lower := make(map[string]string, len(ev.Metadata))
	for k, v := range ev.Metadata {
		lower[strings.ToLower(k)] = v
	}
	for _, k := range []string{"drip-message-id", "message-id", "message_id"} {
		if id := messageID(lower[k]); id != "" {
			return id
		}
	}
	return dumpMessageID(ev.Content)
}

// dumpMessageID finds the original message's Message-ID in a raw bounce:
// the first Message-ID header after the bounce's own header block, which
// carries the bounce's own id.
func dumpMessageID(raw string) string {
	_, rest, ok := strings.Cut(strings.ReplaceAll(raw, "\r\n", "\n"), "\n\n")
	if !ok {
		return ""
	}
	for line := range strings.Lines(rest) {
		name, value, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(name), "Message-ID") {
			if id := messageID(value); id != "" {
				return id
			}
		}
	}
	return ""
}

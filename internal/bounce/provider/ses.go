package provider

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// sesEvent is an SES notification (notificationType) or a published
// event (eventType), which share their objects.
type sesEvent struct {
	NotificationType string  `json:"notificationType"`
	EventType        string  `json:"eventType"`
	Mail             sesMail `json:"mail"`
	Bounce           *struct {
		BounceType        string         `json:"bounceType"`
		BounceSubType     string         `json:"bounceSubType"`
		BouncedRecipients []sesRecipient `json:"bouncedRecipients"`
		Timestamp         string         `json:"timestamp"`
		FeedbackID        string         `json:"feedbackId"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []sesRecipient `json:"complainedRecipients"`
		Timestamp             string         `json:"timestamp"`
		FeedbackID            string         `json:"feedbackId"`
		ComplaintFeedbackType string         `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Delivery *struct {
		Timestamp    string   `json:"timestamp"`
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
	} `json:"delivery"`
	DeliveryDelay *struct {
		DelayType         string         `json:"delayType"`
		DelayedRecipients []sesRecipient `json:"delayedRecipients"`
		Timestamp         string         `json:"timestamp"`
	} `json:"deliveryDelay"`
}

type sesRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Action         string `json:"action"`
	Status         string `json:"status"`
	DiagnosticCode string `json:"diagnosticCode"`
}

// sesMail is the original message. Its messageId is SES's own; the
// Message-ID dripcourse set is among the headers SES returns.
type sesMail struct {
	Headers []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"headers"`
	CommonHeaders struct {
		MessageID string `json:"messageId"`
	} `json:"commonHeaders"`
}

func (m *sesMail) messageID() string {
	if id := messageID(m.CommonHeaders.MessageID); id != "" {
		return id
	}
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, "Message-ID") {
			return messageID(h.Value)
		}
	}
	return ""
}

// sesReports reads the SES notification an SNS Notification carries.
// Types that say nothing about delivery (Send, Open, Click, Reject,
// Rendering Failure, Subscription) yield no report.
func sesReports(m *snsMessage) ([]bounce.Report, error) {
	var ev sesEvent
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		return nil, fmt.Errorf("%w: ses: notification in SNS message %s: %w", ErrMalformed, short(m.MessageID, maxShort), err)
	}
	base := bounce.Report{Source: "ses", MessageID: ev.Mail.messageID(), At: isoTime(m.Timestamp)}
	switch firstOf(ev.NotificationType, ev.EventType) {
	case "Bounce":
		return ev.bounces(base)
	case "Complaint":
		return ev.complaints(base)
	case "Delivery":
		return ev.deliveries(base, m.MessageID)
	case "DeliveryDelay":
		return ev.delays(base, m.MessageID)
	}
	return nil, nil
}

func (ev *sesEvent) bounces(base bounce.Report) ([]bounce.Report, error) {
	b := ev.Bounce
	if b == nil {
		return nil, fmt.Errorf("%w: ses: Bounce notification without a bounce object", ErrMalformed)
	}
	v := map[string]verdict{"Permanent": permanent, "Transient": transient}[b.BounceType]
	aboutUs := b.BounceSubType == "ContentRejected" || b.BounceSubType == "AttachmentRejected" ||
		b.BounceSubType == "MessageTooLarge"
	var out []bounce.Report
	for _, rc := range b.BouncedRecipients {
		r := base
		r.Recipient = address(rc.EmailAddress)
		r.Diagnostic = text(rc.DiagnosticCode, maxDiagnostic)
		r.Status = firstOf(validStatus(rc.Status), enhancedStatus(rc.DiagnosticCode))
		r.Action = firstOf(short(rc.Action, maxShort), "failed")
		r.Kind, r.OurSending = kindOf(v, &r)
		if aboutUs {
			r.Kind, r.OurSending = bounce.Soft, true
		}
		r.EventID = eventID(b.FeedbackID, r.Recipient)
		r.At = firstTime(isoTime(b.Timestamp), base.At)
		out = append(out, r)
	}
	return out, nil
}

func (ev *sesEvent) complaints(base bounce.Report) ([]bounce.Report, error) {
	c := ev.Complaint
	if c == nil {
		return nil, fmt.Errorf("%w: ses: Complaint notification without a complaint object", ErrMalformed)
	}
	var out []bounce.Report
	for _, rc := range c.ComplainedRecipients {
		r := base
		r.Recipient = address(rc.EmailAddress)
		r.Kind, r.Action = bounce.Complaint, "complaint"
		r.FeedbackType = short(c.ComplaintFeedbackType, maxShort)
		r.EventID = eventID(c.FeedbackID, r.Recipient)
		r.At = firstTime(isoTime(c.Timestamp), base.At)
		out = append(out, r)
	}
	return out, nil
}

// deliveries reports each delivery as Ignore with the action
// "delivered": the policy uses it to end a run of soft bounces.
func (ev *sesEvent) deliveries(base bounce.Report, snsID string) ([]bounce.Report, error) {
	d := ev.Delivery
	if d == nil {
		return nil, fmt.Errorf("%w: ses: Delivery notification without a delivery object", ErrMalformed)
	}
	var out []bounce.Report
	for _, rcpt := range d.Recipients {
		r := base
		r.Recipient = address(rcpt)
		r.Kind, r.Action = bounce.Ignore, "delivered"
		r.Diagnostic = text(d.SMTPResponse, maxDiagnostic)
		r.EventID = eventID(snsID, r.Recipient)
		r.At = firstTime(isoTime(d.Timestamp), base.At)
		out = append(out, r)
	}
	return out, nil
}

// delays reports a delivery delay as Ignore: SES is still trying.
func (ev *sesEvent) delays(base bounce.Report, snsID string) ([]bounce.Report, error) {
	d := ev.DeliveryDelay
	if d == nil {
		return nil, fmt.Errorf("%w: ses: DeliveryDelay event without a deliveryDelay object", ErrMalformed)
	}
	var out []bounce.Report
	for _, rc := range d.DelayedRecipients {
		r := base
		r.Recipient = address(rc.EmailAddress)
		r.Kind, r.Action = bounce.Ignore, "delayed"
		r.Status = firstOf(validStatus(rc.Status), enhancedStatus(rc.DiagnosticCode))
		r.Diagnostic = text(firstOf(rc.DiagnosticCode, d.DelayType), maxDiagnostic)
		r.EventID = eventID(snsID, r.Recipient)
		r.At = firstTime(isoTime(d.Timestamp), base.At)
		out = append(out, r)
	}
	return out, nil
}

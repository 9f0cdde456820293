package bounce

import "time"

// Kind is what a report means for the reader it names.
type Kind string

// Kinds. Only Hard and Complaint ever stop mail to a reader at once; Soft
// is counted; Ignore is kept for the record and changes nothing.
const (
	Hard      Kind = "hard"
	Soft      Kind = "soft"
	Complaint Kind = "complaint"
	Ignore    Kind = "ignore"
)

// Report is one recipient's outcome found in one incoming message or
// provider event. A message may hold several (a DSN lists one per
// recipient).
type Report struct {
	// Recipient is the failed address, lower-cased; empty when the report
	// names none.
	Recipient string
	// Status is the enhanced status code ("5.1.1"), or empty.
	Status string
	// Action is the DSN action as the report gives it ("failed",
	// "delayed", "delivered", "relayed", "expanded"), "complaint" for a
	// feedback report, or empty.
	Action string
	// Diagnostic is the remote server's words, trimmed and bounded.
	Diagnostic string
	// Kind is the classification of this report.
	Kind Kind
	// OurSending is true when the failure is about how we send (5.7.x
	// policy and authentication refusals, our IP on a block list), not
	// about the reader's address: it must never charge the reader.
	OurSending bool
	// Token is the VERP token found in the address the report was sent to
	// (the part after "b+" in b+TOKEN@bounce-domain), or empty.
	Token string
	// MessageID is the original message's Message-ID without angle
	// brackets, from the returned headers or the provider event, or empty.
	MessageID string
	// FeedbackType is a complaint's ARF Feedback-Type ("abuse", "fraud",
	// ...), or empty.
	FeedbackType string
	// Source names the format the report was read from: "dsn", "arf",
	// "autoreply", "postfix", "exim", "qmail", "exchange", "gmail",
	// "yahoo", "sendmail", "heuristic", or a provider ("ses", "postmark",
	// "mailgun", "sendgrid", "generic").
	Source string
	// At is when the report says the event happened, or zero.
	At time.Time
	// EventID is a provider's own identifier of the event, used with the
	// source to recognise a report seen before; empty for mail reports,
	// which are recognised by a hash of their content.
	EventID string
}

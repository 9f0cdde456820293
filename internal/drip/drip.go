// Package drip holds the vocabulary shared by every other package of
// dripcourse: readers, enrollments, deliveries, events and the sentinel errors
// that cross package boundaries. It imports only the standard library, so the
// store, the web layer and the delivery engine can all speak it without
// importing each other.
package drip

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors. Callers test them with errors.Is; the web layer maps them
// to HTTP statuses in one place. ErrInvalid and ErrConflict are apart on
// purpose: an invalid request is wrong whenever it comes (400), while a
// conflicting one is refused only by the present state of what it names,
// and may succeed later or after another change (409).
var (
	ErrNotFound    = errors.New("not found")
	ErrInvalid     = errors.New("invalid input")
	ErrConflict    = errors.New("not possible in the present state")
	ErrUnavailable = errors.New("temporarily unavailable")
)

// Status is a reader's standing with the list as a whole.
type Status string

// Reader statuses. Only active readers are ever sent lessons; bounced and
// complained addresses are suppressed for good.
const (
	StatusPending      Status = "pending"
	StatusActive       Status = "active"
	StatusUnsubscribed Status = "unsubscribed"
	StatusBounced      Status = "bounced"
	StatusComplained   Status = "complained"
)

// Statuses lists every reader status in display order.
var Statuses = []Status{StatusPending, StatusActive, StatusUnsubscribed, StatusBounced, StatusComplained}

// Suppressed reports whether mail of any kind must never go to a reader in
// this status.
func (s Status) Suppressed() bool { return s == StatusBounced || s == StatusComplained }

// Subscriber is one reader's address and preferences.
type Subscriber struct {
	ID             int64
	Email          string
	Name           string
	Timezone       string
	Status         Status
	CreatedAt      time.Time
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time
}

// EnrollmentStatus is where a reader stands in one course.
type EnrollmentStatus string

// Enrollment statuses. Only active enrollments are ever claimed for
// sending. A pending enrollment waits for the reader to confirm the
// address for that course.
const (
	EnrollPending   EnrollmentStatus = "pending"
	EnrollActive    EnrollmentStatus = "active"
	EnrollPaused    EnrollmentStatus = "paused"
	EnrollCompleted EnrollmentStatus = "completed"
	EnrollStopped   EnrollmentStatus = "stopped"
)

// EnrollmentStatuses lists every enrollment status in display order.
var EnrollmentStatuses = []EnrollmentStatus{EnrollPending, EnrollActive, EnrollPaused, EnrollCompleted, EnrollStopped}

// Enrollment is a reader's progress through one course. NextDueAt is the
// moment the next lesson may be sent; while a lesson is being sent it holds
// the claim's lease expiry instead, so a crashed sender's work comes due again.
type Enrollment struct {
	ID           int64
	SubscriberID int64
	Course       string
	Status       EnrollmentStatus
	LastSlug     string
	LastSentAt   time.Time
	NextDueAt    time.Time
	CreatedAt    time.Time
	// ConfirmedAt is when the reader joined the course (confirmed it, or
	// started it from their own link); it decides whether they are in a
	// cohort's first run. CompletedAt and StoppedAt are when it ended.
	ConfirmedAt time.Time
	CompletedAt time.Time
	StoppedAt   time.Time
}

// DeliveryStatus is the state of one lesson sent to one reader.
type DeliveryStatus string

// Delivery statuses.
const (
	DeliverySending DeliveryStatus = "sending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryRetry   DeliveryStatus = "retry"
	DeliveryFailed  DeliveryStatus = "failed"
	// DeliverySkipped is a lesson the operator moved the reader past: it
	// was never sent and never will be, and it is no failed send.
	DeliverySkipped DeliveryStatus = "skipped"
)

// Delivery is the durable record of one lesson for one enrollment. The pair
// (EnrollmentID, Slug) is unique, and MessageID is fixed when the row is
// created, so a retry or a resend after a crash carries the same Message-ID.
type Delivery struct {
	ID           int64
	EnrollmentID int64
	SubscriberID int64
	Slug         string
	Status       DeliveryStatus
	Attempts     int
	MessageID    string
	LastReply    string
	CreatedAt    time.Time
	SentAt       time.Time
}

// Received is one lesson already delivered (or being delivered) to an
// enrollment: the rows that decide which lesson comes next.
type Received struct {
	Slug           string
	Status         DeliveryStatus
	MessageID      string
	SentAt         time.Time
	FirstAttemptAt time.Time
}

// EventKind names something that happened to a reader.
type EventKind string

// Event kinds recorded in the event log. Stats are derived from these.
const (
	EventSignup      EventKind = "signup"
	EventConfirm     EventKind = "confirm"
	EventOpen        EventKind = "open"
	EventClick       EventKind = "click"
	EventUnsubscribe EventKind = "unsubscribe"
	EventResubscribe EventKind = "resubscribe"
	EventBounce      EventKind = "bounce"
	EventComplaint   EventKind = "complaint"
	// EventSoftBounce is a soft bounce reported after the send: counted,
	// and the address suppressed only after several in a row.
	EventSoftBounce EventKind = "soft_bounce"
	// EventReport is a report that charges the reader nothing: an
	// auto-reply, a delay, a delivery notice, or a failure about our own
	// sending.
	EventReport EventKind = "report"
	EventNext   EventKind = "next"
	EventPause  EventKind = "pause"
	EventResume EventKind = "resume"
	// EventEnroll: a reader started a course from their own signed link,
	// with no confirmation email. EventComplete: a reader had the last
	// lesson of a course.
	EventEnroll   EventKind = "enroll"
	EventComplete EventKind = "complete"
)

// Event is one entry of a reader's timeline. Course is the course it
// concerns, when it concerns one ("" for the reader as a whole, and for
// events recorded before there were several courses).
type Event struct {
	ID           int64
	SubscriberID int64
	DeliveryID   int64
	Course       string
	Kind         EventKind
	Machine      bool
	Detail       string
	At           time.Time
}

// Problem is one thing wrong with an operator's file, at a line when known.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// Problems is every problem found in a set of files. As an error it prints
// one problem a line, in the file:line: message form editors understand.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

package api

import (
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Subscriber is a reader as the API shows them.
type Subscriber struct {
	ID             int64        `json:"id"`
	Email          string       `json:"email"`
	Name           string       `json:"name"`
	Timezone       string       `json:"timezone"`
	Status         drip.Status  `json:"status"`
	CreatedAt      time.Time    `json:"created_at"`
	ConfirmedAt    *time.Time   `json:"confirmed_at,omitempty"`
	UnsubscribedAt *time.Time   `json:"unsubscribed_at,omitempty"`
	Enrollments    []Enrollment `json:"enrollments"`
}

// Enrollment is where the reader stands in one course.
type Enrollment struct {
	Course      string                `json:"course"`
	Status      drip.EnrollmentStatus `json:"status"`
	LastLesson  string                `json:"last_lesson,omitempty"`
	LastSentAt  *time.Time            `json:"last_sent_at,omitempty"`
	NextDueAt   *time.Time            `json:"next_due_at,omitempty"`
	CreatedAt   time.Time             `json:"created_at"`
	ConfirmedAt *time.Time            `json:"confirmed_at,omitempty"`
	CompletedAt *time.Time            `json:"completed_at,omitempty"`
	StoppedAt   *time.Time            `json:"stopped_at,omitempty"`
}

// SubscriberPage is one page of the list; NextCursor, when set, asks for
// the next.
type SubscriberPage struct {
	Data       []Subscriber `json:"data"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// NewSubscriber is the body of POST /subscribers.
type NewSubscriber struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	Course   string `json:"course"`
	// Confirmed enrolls the reader at once, consent having been taken
	// elsewhere (a purchase); it needs the scope enroll:confirmed.
	// Without it the reader gets the double opt-in email.
	Confirmed bool `json:"confirmed"`
}

// MoveRequest is the body of the move action: the lesson to send next.
type MoveRequest struct {
	Lesson string `json:"lesson"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func subscriberOut(s drip.Subscriber, enrs []drip.Enrollment) Subscriber {
	out := Subscriber{ID: s.ID, Email: s.Email, Name: s.Name, Timezone: s.Timezone, Status: s.Status,
		CreatedAt: s.CreatedAt.UTC(), ConfirmedAt: optTime(s.ConfirmedAt), UnsubscribedAt: optTime(s.UnsubscribedAt),
		Enrollments: []Enrollment{}}
	for _, e := range enrs {
		next := e.NextDueAt
		if e.Status != drip.EnrollActive && e.Status != drip.EnrollPaused {
			next = time.Time{}
		}
		out.Enrollments = append(out.Enrollments, Enrollment{Course: e.Course, Status: e.Status, LastLesson: e.LastSlug,
			LastSentAt: optTime(e.LastSentAt), NextDueAt: optTime(next), CreatedAt: e.CreatedAt.UTC(),
			ConfirmedAt: optTime(e.ConfirmedAt), CompletedAt: optTime(e.CompletedAt), StoppedAt: optTime(e.StoppedAt)})
	}
	return out
}

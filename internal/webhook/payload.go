package webhook

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The event types dripcourse sends. Opens and clicks that look like a
// machine's (a mail scanner, a privacy proxy) have types of their own, so
// that an endpoint hears them only if it asks.
const (
	SubscriberConfirmed    = "subscriber.confirmed"
	EnrollmentStarted      = "enrollment.started"
	LessonSent             = "lesson.sent"
	LessonOpened           = "lesson.opened"
	LessonClicked          = "lesson.clicked"
	LessonMachineOpened    = "lesson.machine_opened"
	LessonMachineClicked   = "lesson.machine_clicked"
	EnrollmentCompleted    = "enrollment.completed"
	EnrollmentPaused       = "enrollment.paused"
	EnrollmentResumed      = "enrollment.resumed"
	SubscriberUnsubscribed = "subscriber.unsubscribed"
	SubscriberBounced      = "subscriber.bounced"
	SubscriberComplained   = "subscriber.complained"
)

// EventTypes lists every event type, in the order the documentation
// gives them.
func EventTypes() []string {
	return []string{SubscriberConfirmed, EnrollmentStarted, LessonSent, LessonOpened, LessonClicked,
		LessonMachineOpened, LessonMachineClicked, EnrollmentCompleted, EnrollmentPaused,
		EnrollmentResumed, SubscriberUnsubscribed, SubscriberBounced, SubscriberComplained}
}

// ParseEventTypes reads an endpoint's subscription, such as the --events
// flag: types separated by commas or spaces, each one EventTypes knows.
// It returns them sorted, without repeats.
func ParseEventTypes(s string) ([]string, error) {
	known := EventTypes()
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(known, t) {
			return nil, fmt.Errorf("webhook: unknown event type %q (known: %s)", t, strings.Join(known, ", "))
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("webhook: no event types given (known: %s)", strings.Join(known, ", "))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Payload builds an event's body, {"type","timestamp","data"}, once, when
// the event is recorded; every attempt sends these very bytes.
func Payload(typ string, at time.Time, data any) ([]byte, error) {
	if data == nil {
		data = struct{}{}
	}
	b, err := json.Marshal(struct {
		Type      string `json:"type"`
		Timestamp string `json:"timestamp"`
		Data      any    `json:"data"`
	}{typ, at.UTC().Format(time.RFC3339Nano), data})
	if err != nil {
		return nil, fmt.Errorf("webhook: payload of %s: %w", typ, err)
	}
	return b, nil
}

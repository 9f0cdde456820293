package provider

import (
	"errors"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// Provider authenticates one provider's webhook requests and reads their
// events. Reports must check authentication before it returns any report:
// a request it refuses yields none.
type Provider interface {
	// Name is the provider's name, also the Source of its reports.
	Name() string
	// Reports authenticates r, whose body has already been read into
	// body, and returns the reports its events carry. Events that say
	// nothing about a recipient's mail (opens, clicks, sends) are
	// skipped, so an accepted request may yield no report.
	Reports(r *http.Request, body []byte) ([]bounce.Report, error)
}

// The reasons a request is refused. Every error from Reports wraps one of
// them; StatusOf maps them to HTTP statuses.
var (
	// ErrUnauthenticated: a signature, credential or timestamp did not
	// check out (401).
	ErrUnauthenticated = errors.New("provider: not authenticated")
	// ErrForbidden: the sender is authenticated but not one this server
	// takes events from, such as an SNS topic outside the allowlist or
	// an address outside the allowed networks (403).
	ErrForbidden = errors.New("provider: not allowed")
	// ErrMalformed: the body is not the provider's format (400).
	ErrMalformed = errors.New("provider: malformed request")
	// ErrTooLarge: the body is over the handler's cap (413).
	ErrTooLarge = errors.New("provider: body too large")
	// ErrUnavailable: verification needed something that could not be
	// reached, such as SNS's signing certificate (503, so the provider
	// retries later).
	ErrUnavailable = errors.New("provider: verification unavailable")
)

// StatusOf is the HTTP status that answers a request refused with err.
func StatusOf(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// reason is the sentinel err wraps, the only part of an error that is
// shown to the sender of a request.
func reason(err error) error {
	for _, s := range []error{ErrUnauthenticated, ErrForbidden, ErrTooLarge, ErrMalformed, ErrUnavailable} {
		if errors.Is(err, s) {
			return s
		}
	}
	return errors.New("provider: internal error")
}

// clockOr returns now, or time.Now when now is nil.
func clockOr(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

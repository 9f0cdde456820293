package provider

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// DefaultMaxBody caps a webhook body when Handler.MaxBody is zero. The
// providers' batches stay well under it (SNS messages are at most 256 KB,
// SendGrid posts batches of under 1 MB).
const DefaultMaxBody = 1 << 20

// Handler serves one provider's webhook: it reads the body under a cap,
// has the provider authenticate the request and read its events, and
// hands the reports to Accept. It answers 200 once the reports are
// accepted (or when there were none), 401 or 403 when authentication
// fails, 400 for a malformed body, 413 for an oversized one and 503 when
// the reports could not be recorded, so that the provider retries.
type Handler struct {
	// Provider authenticates and parses the requests.
	Provider Provider
	// Accept records the reports of one authenticated request. An error
	// answers 503.
	Accept func(ctx context.Context, reports []bounce.Report) error
	// Refused, when set, is told once about each refused request, with
	// the status it was answered and the full reason, for the log. The
	// response itself only names the kind of refusal.
	Refused func(r *http.Request, status int, err error)
	// MaxBody caps the body in bytes; zero means DefaultMaxBody.
	MaxBody int64
}

// releaser is a provider that holds something for a request (a replay
// token) which must be let go when the request's reports were not
// recorded, so that the provider's retry of it is not refused.
type releaser interface {
	release(r *http.Request, body []byte)
}

// challenger is a provider whose credentials are HTTP authentication, so
// that a 401 names the scheme it expects.
type challenger interface {
	challenge() string
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "provider: POST only", http.StatusMethodNotAllowed)
		return
	}
	if h.Provider == nil || h.Accept == nil {
		h.refuse(w, r, errors.New("provider: handler has no provider or no Accept"))
		return
	}
	body, err := h.read(w, r)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	reports, err := h.Provider.Reports(r, body)
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	if len(reports) > 0 {
		if err := h.Accept(r.Context(), reports); err != nil {
			if rel, ok := h.Provider.(releaser); ok {
				rel.release(r, body)
			}
			http.Error(w, "provider: reports not recorded, retry later", http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "accepted %d\n", len(reports))
}

// read reads the body, refusing one over the cap.
func (h *Handler) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	max := h.MaxBody
	if max <= 0 {
		max = DefaultMaxBody
	}
	if r.ContentLength > max {
		return nil, fmt.Errorf("%w: %d bytes declared, the cap is %d", ErrTooLarge, r.ContentLength, max)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, fmt.Errorf("%w: over the cap of %d bytes", ErrTooLarge, max)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading the body: %w", ErrMalformed, err)
	}
	return body, nil
}

// refuse answers a refused request and tells Refused why.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := StatusOf(err)
	if h.Refused != nil {
		h.Refused(r, status, err)
	}
	if c, ok := h.Provider.(challenger); ok && status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", c.challenge())
	}
	http.Error(w, reason(err).Error(), status)
}

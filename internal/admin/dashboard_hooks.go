package admin

import (
	"context"
	"net/url"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
)

// hookWarning is a webhook endpoint the dashboard warns about: disabled
// after failing for days, or failing for over an hour now.
type hookWarning struct {
	ID       int64
	Host     string // the URL's host only: its path may hold a token
	Disabled bool
	Reason   string
	Since    time.Time
}

// failingFor is how long an endpoint fails before the dashboard says so:
// long enough that a receiver's brief restart stays quiet.
const failingFor = time.Hour

// fillHooks lists the endpoints the operator should look at. The
// dispatcher's alert for a disabled endpoint is a log line; this is where
// an operator who does not watch the log sees it.
func (s *Server) fillHooks(ctx context.Context, _ *course.Course, d *dashboardData) error {
	if s.Integrations == nil || s.Integrations.Webhooks == nil {
		return nil
	}
	eps, err := s.Integrations.Webhooks.Endpoints(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	for _, e := range eps {
		w := hookWarning{ID: e.ID, Host: hostOf(e.URL)}
		switch {
		case e.Disabled:
			w.Disabled, w.Reason, w.Since = true, e.DisabledReason, e.DisabledAt
		case !e.FailingSince.IsZero() && now.Sub(e.FailingSince) >= failingFor:
			w.Since = e.FailingSince
		default:
			continue
		}
		d.Hooks = append(d.Hooks, w)
	}
	return nil
}

// hostOf is the host of an endpoint's URL, or "an endpoint" when it does
// not parse.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "an endpoint"
}

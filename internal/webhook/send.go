package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// recordTimeout bounds recording one outcome; a record that fails leaves
// the lease to bring the delivery back.
const recordTimeout = 30 * time.Second

// deliver makes one attempt, records it, and disables the endpoint when
// the attempt shows it should be. It reports whether the attempt was
// made and recorded.
func (d *Dispatcher) deliver(ctx context.Context, dl Delivery) (Attempt, bool) {
	at := d.cfg.Now()
	if !dl.LeaseUntil.IsZero() && !at.Before(dl.LeaseUntil) {
		d.log.Warn("webhook claim expired before its attempt; it comes due again", "endpoint", dl.EndpointID, "event", dl.EventID)
		return Attempt{}, false
	}
	a, wait := d.attempt(ctx, dl, at)
	o := Outcome{Attempt: a, State: Delivered}
	if !a.OK() {
		o.State, o.NextAt = nextTry(dl, at, wait, d.cfg.Jitter)
	}
	d.log.Debug("webhook attempt", "endpoint", dl.EndpointID, "event", dl.EventID, "attempt", a.Number,
		"status", a.Status, "error", a.Error, "latency", a.Latency, "next", o.State)
	rctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	failingSince, err := d.cfg.Outbox.Record(rctx, o)
	switch {
	case errors.Is(err, ErrLeaseLost):
		d.log.Warn("webhook attempt recorded after its lease ended", "endpoint", dl.EndpointID, "event", dl.EventID)
	case err != nil:
		d.log.Error("webhook attempt not recorded; its lease brings it back", "endpoint", dl.EndpointID, "event", dl.EventID, "err", err)
		return a, false
	}
	d.maybeDisable(rctx, dl, a, failingSince)
	return a, true
}

// maybeDisable disables an endpoint that answered 410 Gone (it asked to
// hear no more), or that has failed for DisableAfter without a success.
func (d *Dispatcher) maybeDisable(ctx context.Context, dl Delivery, a Attempt, failingSince time.Time) {
	var dis Disabling
	switch {
	case a.Status == http.StatusGone:
		dis = Disabling{At: a.At, Reason: "the endpoint answered 410 Gone"}
	case !a.OK() && !failingSince.IsZero() && a.At.Sub(failingSince) >= DisableAfter:
		dis = Disabling{At: a.At, FailingBefore: a.At.Add(-DisableAfter), Reason: fmt.Sprintf(
			"no successful delivery since %s; last attempt: %s", failingSince.UTC().Format(time.RFC3339), a.Error)}
	default:
		return
	}
	disabled, err := d.cfg.Outbox.Disable(ctx, dl.EndpointID, dis)
	if err != nil {
		d.log.Error("webhook endpoint not disabled", "endpoint", dl.EndpointID, "err", err)
		return
	}
	if !disabled {
		return
	}
	alert := Alert{EndpointID: dl.EndpointID, Host: hostOf(dl.URL), Reason: dis.Reason, At: dis.At}
	d.log.Warn("webhook endpoint disabled", "endpoint", alert.EndpointID, "host", alert.Host, "reason", alert.Reason)
	if d.cfg.Alert != nil {
		d.cfg.Alert(alert)
	}
}

// attempt POSTs one delivery and returns the attempt and any Retry-After.
func (d *Dispatcher) attempt(ctx context.Context, dl Delivery, at time.Time) (Attempt, time.Duration) {
	a := Attempt{EventID: dl.EventID, EndpointID: dl.EndpointID, Number: dl.Attempt, At: at}
	req, err := d.request(ctx, dl, at)
	if err != nil {
		a.Error = err.Error()
		return a, 0
	}
	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		a.Latency, a.Error = time.Since(start), describe(dl.URL, err, d.client.Timeout)
		return a, 0
	}
	defer resp.Body.Close()
	a.Status = resp.StatusCode
	a.Response, a.Truncated = readCapped(resp.Body)
	a.Latency = time.Since(start)
	if !a.OK() {
		a.Error = statusError(resp)
	}
	return a, retryAfter(resp.Header, at)
}

// request builds the signed POST; the URL is checked again at every
// attempt, since the setting or the row may have changed.
func (d *Dispatcher) request(ctx context.Context, dl Delivery, at time.Time) (*http.Request, error) {
	if err := ValidateURL(dl.URL, d.cfg.AllowPrivate); err != nil {
		return nil, err
	}
	sig, err := Sign(dl.Secret, dl.EventID, at, dl.Body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.URL, bytes.NewReader(dl.Body))
	if err != nil {
		return nil, fmt.Errorf("%w: it does not make a request", ErrBadURL)
	}
	req.Header.Set(HeaderID, dl.EventID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	return req, nil
}

// readCapped reads at most ResponseLimit bytes of an answer, and never
// the rest: closing the body then drops the connection. A read error
// keeps what was read; the status alone decides success.
func readCapped(r io.Reader) ([]byte, bool) {
	b, _ := io.ReadAll(io.LimitReader(r, ResponseLimit+1))
	if len(b) > ResponseLimit {
		return b[:ResponseLimit], true
	}
	return b, false
}

func statusError(resp *http.Response) string {
	s := "HTTP " + resp.Status
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		s += " (redirects are not followed: give the endpoint its final URL)"
	}
	return s
}

// describe words a transport failure without the URL, whose path and
// query may hold a token: *url.Error would quote it whole.
func describe(raw string, err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ue != nil && ue.Timeout() {
		return fmt.Sprintf("webhook: no answer from %s within %v", hostOf(raw), timeout)
	}
	return fmt.Sprintf("webhook: post to %s: %v", hostOf(raw), err)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Host
}

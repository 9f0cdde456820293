package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// UserAgent names dripcourse to receivers.
const UserAgent = "dripcourse-webhooks/1 (+https://www.standardwebhooks.com)"

// Timeout bounds one attempt: connecting, sending and reading the answer.
const Timeout = 10 * time.Second

// ResponseLimit is how much of a receiver's answer is read, and kept for
// the attempt log; the rest is never read.
const ResponseLimit = 64 << 10

// maxURLLen keeps absurd URLs out of the store and the logs.
const maxURLLen = 2048

// ErrBadURL is matched (errors.Is) by every refusal of ValidateURL.
var ErrBadURL = errors.New("webhook: bad endpoint URL")

// NewClient returns the HTTP client for webhook attempts. Unless
// allowPrivate, its dialer refuses every non-public address at each
// connection, after DNS resolution (see BlockedError). It never follows a
// redirect (the 3xx comes back as the response), ignores proxy settings
// (a proxy would hide the destination from the check), keeps no cookies,
// and gives up after Timeout.
func NewClient(allowPrivate bool) *http.Client {
	g := newGuard(allowPrivate)
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// ValidateURL checks an endpoint URL when it is added, and again before
// every attempt. It must be https; http is allowed only for localhost or
// a loopback address, and only with allowPrivate. It may not carry a user
// or password. A host that is an IP literal in a refused range is
// refused here; a name is checked when it is dialled.
func ValidateURL(raw string, allowPrivate bool) error {
	if len(raw) > maxURLLen {
		return fmt.Errorf("%w: longer than %d characters", ErrBadURL, maxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%w: it does not parse", ErrBadURL)
	}
	if u.User != nil {
		return fmt.Errorf("%w: a user or password in the URL is not allowed", ErrBadURL)
	}
	host := u.Hostname()
	if !u.IsAbs() || u.Opaque != "" || host == "" {
		return fmt.Errorf("%w: it must be an absolute https:// URL with a host", ErrBadURL)
	}
	if err := checkScheme(u.Scheme, host, allowPrivate); err != nil {
		return err
	}
	if allowPrivate {
		return nil
	}
	if isLocalhost(host) {
		return fmt.Errorf("%w: %s is this machine", ErrBadURL, host)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if err := newGuard(false).check(a); err != nil {
			return fmt.Errorf("%w: %w", ErrBadURL, err)
		}
	}
	return nil
}

func checkScheme(scheme, host string, allowPrivate bool) error {
	switch scheme {
	case "https":
		return nil
	case "http":
		if allowPrivate && isLoopback(host) {
			return nil
		}
		return fmt.Errorf("%w: it must be https (plain http only for localhost, when private destinations are allowed)", ErrBadURL)
	}
	return fmt.Errorf("%w: the scheme must be https", ErrBadURL)
}

// isLocalhost reports the names RFC 6761 reserves for this machine.
func isLocalhost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

func isLoopback(host string) bool {
	if isLocalhost(host) {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

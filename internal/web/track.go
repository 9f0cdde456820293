package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/token"
)

// MachineWindow is how soon after delivery an open or click is taken to be
// a machine's: security scanners and prefetchers act within seconds of a
// message arriving, people rarely do.
const MachineWindow = 10 * time.Second

// pixel is a transparent 1x1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// machineAgents are fragments of the user agents of image proxies, link
// scanners and prefetchers, lower-cased.
var machineAgents = []string{
	"googleimageproxy", "ggpht.com", "yahoomailproxy", "bingpreview", "microsoft office", "ms-office", "safelinks",
	"barracuda", "mimecast", "proofpoint", "symantec", "trendmicro", "forcepoint", "cisco", "ironport", "sophos",
	"bot", "crawler", "spider", "preview", "scanner", "curl/", "wget/", "python-", "go-http-client", "java/", "okhttp",
	"headlesschrome", "slackbot", "facebookexternalhit",
}

// Machine reports whether a fetch looks automatic: a HEAD request, a known
// proxy or scanner, Apple Mail Privacy Protection's bare agent, or a fetch
// within MachineWindow of the message being sent.
func Machine(method, agent string, sent, at time.Time) bool {
	if method == http.MethodHead {
		return true
	}
	a := strings.ToLower(strings.TrimSpace(agent))
	if a == "" || a == "mozilla/5.0" {
		return true
	}
	for _, m := range machineAgents {
		if strings.Contains(a, m) {
			return true
		}
	}
	return !sent.IsZero() && at.Sub(sent) < MachineWindow
}

// open serves the tracking pixel. Whatever happens, the mail client gets
// its image: a bad token or a busy database is only logged.
func (s *Server) open(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/gif")
	h.Set("Cache-Control", "no-store, no-cache, must-revalidate, private")
	h.Set("Pragma", "no-cache")
	defer w.Write(pixel)
	if !s.Composer.Tracking.Opens() {
		return
	}
	c, err := s.Links.Signer().Verify(chiToken(r), token.Open, s.Now())
	if err != nil {
		return
	}
	s.track(r, drip.EventOpen, c, "")
}

// track records an open or click, classified as a person's or a machine's,
// unless the lesson's course is discreet: a discreet course tracks nothing.
func (s *Server) track(r *http.Request, kind drip.EventKind, c token.Claims, detail string) {
	ctx := context.WithoutCancel(r.Context())
	d, e, err := s.DB.DeliveryEnrollment(ctx, c.Delivery, c.Subscriber)
	if err != nil {
		s.logger(r).Warn("tracking: unknown delivery", "kind", kind, "err", err)
		return
	}
	if crs, ok := s.content().Course(e.Course); !ok || crs.Discreet {
		return
	}
	now := s.Now()
	ev := drip.Event{SubscriberID: c.Subscriber, DeliveryID: c.Delivery, Kind: kind, At: now, Detail: detail,
		Machine: Machine(r.Method, r.UserAgent(), d.SentAt, now)}
	if err := s.DB.RecordEvent(ctx, ev); err != nil {
		s.logger(r).Warn("tracking: not recorded", "kind", kind, "err", err)
	}
}

// click records a click and redirects to the destination signed into the
// token, and only there: an edited destination fails the signature, so
// this is no open redirect.
func (s *Server) click(w http.ResponseWriter, r *http.Request) {
	c, ok := s.verify(w, r, token.Click)
	if !ok {
		return
	}
	dest := c.Data
	if !strings.HasPrefix(dest, "https://") && !strings.HasPrefix(dest, "http://") && !strings.HasPrefix(dest, "mailto:") {
		s.errorPage(w, r, http.StatusBadRequest, "This link is not valid.")
		return
	}
	if s.Composer.Tracking.Clicks() {
		s.track(r, drip.EventClick, c, dest)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, dest, http.StatusFound)
}

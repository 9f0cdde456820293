package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Signup forms on the operator's own sites. FormOrigins lists the origins
// (scheme://host[:port], as a browser writes its Origin header) whose pages
// may post signups: a plain form, a fetch, or the embed page in an iframe.
// Only the signup routes trust them; every other route, and all of /admin,
// trusts no other origin.

// trustedOrigins is FormOrigins as a set, made once in Handler.
type trustedOrigins map[string]bool

func newTrustedOrigins(list []string) trustedOrigins {
	t := trustedOrigins{}
	for _, o := range list {
		t[o] = true
	}
	return t
}

// of is the request's Origin when it is trusted, else "".
func (t trustedOrigins) of(r *http.Request) string {
	if o := r.Header.Get("Origin"); t[o] {
		return o
	}
	return ""
}

// frameAncestors is the CSP source list of pages that may be framed: this
// site and the trusted origins.
func (t trustedOrigins) frameAncestors(list []string) string {
	return strings.Join(append([]string{"'self'"}, list...), " ")
}

// formOrigins guards the signup routes: browsers may post from this site
// or from a trusted origin (http.CrossOriginProtection with those origins
// trusted), and a trusted origin's fetch gets CORS headers naming it. The
// answers may be framed by the trusted origins, as the embed page is.
func (s *Server) formOrigins(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range s.FormOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			s.Log.Error("DRIP_FORM_ORIGINS: origin not trusted", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(s.untrustedOrigin))
	guarded := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.corsHeaders(w, r)
		s.frameable(w)
		guarded.ServeHTTP(w, r)
	})
}

// untrustedOrigin answers a signup a browser posted from a page on a site
// that is not one of the trusted origins.
func (s *Server) untrustedOrigin(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	s.logger(r).Info("signup from an untrusted origin refused", "origin", origin)
	msg := "This signup form is on a site that may not sign readers up here, so nothing was sent. Please sign up on the course page itself."
	if wantsJSON(r) {
		s.answerJSON(w, http.StatusForbidden, formAnswer{Status: "refused", Message: msg})
		return
	}
	s.errorPage(w, r, http.StatusForbidden, msg)
}

// corsHeaders lets a trusted origin's script read the answer: the origin is
// named (never "*"), credentials are not allowed, and the answer varies by
// Origin so that no cache hands one origin's answer to another.
func (s *Server) corsHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := s.trusted.of(r); o != "" {
		h.Set("Access-Control-Allow-Origin", o)
	}
}

// preflight answers a CORS preflight for a route taking methods: a trusted
// origin gets what it may send, any other origin no CORS header at all.
func (s *Server) preflight(methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		o := s.trusted.of(r)
		if o == "" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		h.Set("Access-Control-Allow-Origin", o)
		h.Set("Access-Control-Allow-Methods", methods)
		h.Set("Access-Control-Allow-Headers", "Accept, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	}
}

// frameable lets the trusted origins (and this site) frame the answer,
// replacing securityHeaders' frame-ancestors 'none'.
func (s *Server) frameable(w http.ResponseWriter) {
	h := w.Header()
	h.Del("X-Frame-Options") // frame-ancestors says who may frame, and XFO can't list origins
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"),
		"frame-ancestors 'none'", "frame-ancestors "+s.trusted.frameAncestors(s.FormOrigins), 1))
}

// redirectTo is the form's redirect field when it is an http(s) URL on a
// trusted origin, else "": a form may send the reader back to its own
// site's thank-you page, and never anywhere else.
func (s *Server) redirectTo(r *http.Request) string {
	raw := r.PostFormValue("redirect")
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		s.logger(r).Info("signup redirect ignored: not an absolute http(s) URL")
		return ""
	}
	if o := originOf(u); !s.trusted[o] {
		s.logger(r).Info("signup redirect ignored: not on a trusted origin", "origin", o)
		return ""
	}
	return u.String()
}

// CanonicalOrigin checks that v is an origin as a browser's Origin header
// writes it (scheme://host[:port], http or https, nothing else) and returns
// it in that form: scheme and host in lower case, no default port.
func CanonicalOrigin(v string) (string, error) {
	if strings.Contains(v, "*") {
		return "", errors.New("a wildcard is not an origin: list each site's origin, such as https://blog.example.com")
	}
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "", fmt.Errorf("%q is not an origin such as https://blog.example.com", v)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("%q: an origin starts with https:// or http://", v)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?") || strings.HasSuffix(v, "#"):
		return "", fmt.Errorf("%q: an origin is scheme://host[:port], with no user, query or fragment", v)
	case u.Path != "":
		return "", fmt.Errorf("%q has a path (%s): an origin is only scheme://host[:port], and covers every page of the site", v, u.Path)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q: port %s is not a number from 1 to 65535", v, p)
		}
	}
	return originOf(u), nil
}

// originOf is u's origin as a browser writes it.
func originOf(u *url.URL) string {
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host
	}
	return scheme + "://" + host + ":" + port
}

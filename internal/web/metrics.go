package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// metricsAccess keeps /metrics for monitoring: with a token, a request
// must present it as a bearer token. Without one, only a request that is
// certainly from this machine is answered, and only on a site that is not
// public (MetricsLoopback): a reverse proxy on the same host may forward
// the internet from loopback without a header to say so, and with the
// Host it was asked for or its own.
func (s *Server) metricsAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.MetricsToken != "" {
			got := []byte(r.Header.Get("Authorization"))
			if subtle.ConstantTimeCompare(got, []byte("Bearer "+s.MetricsToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics need the bearer token set in DRIP_METRICS_TOKEN", http.StatusUnauthorized)
				return
			}
		} else if !s.MetricsLoopback || !local(r) {
			http.Error(w, "metrics need DRIP_METRICS_TOKEN on a public site; without it they answer only http://localhost", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// local reports whether r comes from this machine itself, asking for it
// by a loopback name. A reverse proxy on the same host forwards the whole
// internet from a loopback address, so a forwarded request is never
// local, whoever forwarded it, and neither is one for a public host name.
func local(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return loopback(r.RemoteAddr) && loopbackName(r.Host)
}

// loopbackName reports whether host (with or without a port) is
// localhost or a loopback address.
func loopbackName(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

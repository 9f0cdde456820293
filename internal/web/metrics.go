package web

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/netip"
)

// metricsAccess keeps /metrics for monitoring: with a token, a request
// must present it as a bearer token; without one, only a client on the
// same machine is answered.
func (s *Server) metricsAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.MetricsToken != "" {
			got := []byte(r.Header.Get("Authorization"))
			if subtle.ConstantTimeCompare(got, []byte("Bearer "+s.MetricsToken)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
				http.Error(w, "metrics need the bearer token set in DRIP_METRICS_TOKEN", http.StatusUnauthorized)
				return
			}
		} else if !local(r) {
			http.Error(w, "metrics answer only on loopback unless DRIP_METRICS_TOKEN is set", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// local reports whether r comes from this machine itself. A reverse proxy
// on the same host forwards the whole internet from a loopback address,
// so a forwarded request is never local, whoever forwarded it.
func local(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return loopback(r.RemoteAddr)
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

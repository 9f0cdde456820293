package provider

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// equal compares a secret in constant time, whatever the lengths: both
// sides are hashed first, so the time taken says nothing about the
// secret's length either.
func equal(got, want string) bool {
	g := sha256.Sum256([]byte(got))
	w := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// checkBasic checks HTTP Basic credentials; name is the provider, for
// the error.
func checkBasic(r *http.Request, name, user, password string) error {
	u, p, ok := r.BasicAuth()
	if !ok {
		return fmt.Errorf("%w: %s: no Basic credentials", ErrUnauthenticated, name)
	}
	// Both are compared, always, so that which one failed does not show.
	userOK := equal(u, user)
	if !equal(p, password) || !userOK {
		return fmt.Errorf("%w: %s: wrong Basic credentials", ErrUnauthenticated, name)
	}
	return nil
}

// checkBearer checks an "Authorization: Bearer" token.
func checkBearer(r *http.Request, name, token string) error {
	h := r.Header.Get("Authorization")
	scheme, got, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return fmt.Errorf("%w: %s: no Bearer token", ErrUnauthenticated, name)
	}
	if !equal(strings.TrimSpace(got), token) {
		return fmt.Errorf("%w: %s: wrong Bearer token", ErrUnauthenticated, name)
	}
	return nil
}

// checkNets refuses a request whose remote address is outside nets, when
// nets is not empty. Behind a proxy, RemoteAddr must already be the
// client's address (the web server's real-IP handling sets it).
func checkNets(r *http.Request, name string, nets []netip.Prefix) error {
	if len(nets) == 0 {
		return nil
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s: remote address %q unreadable", ErrForbidden, name, short(r.RemoteAddr, maxShort))
	}
	addr = addr.Unmap()
	for _, n := range nets {
		if n.Contains(addr) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s: remote address %s is outside the allowed networks", ErrForbidden, name, addr)
}

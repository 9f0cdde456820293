package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrBlocked is matched (errors.Is) by every refusal of a non-public
// destination, so that the caller can name the setting that allows them.
var ErrBlocked = errors.New("webhook: non-public destination refused")

// BlockedError names the address refused and why.
type BlockedError struct {
	Addr  netip.Addr
	Class string // "loopback", "private", "link-local", ...
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("webhook: refused to connect to %s, a %s address", e.Addr, e.Class)
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// blockedRange is a prefix that is never a public webhook receiver.
type blockedRange struct {
	prefix netip.Prefix
	class  string
}

// blockedRanges lists what is refused. IPv4-mapped IPv6 addresses are
// unmapped before the check, and NAT64 and 6to4 addresses are checked
// for the IPv4 address they carry.
func blockedRanges() []blockedRange {
	list := []struct{ cidr, class string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "carrier-grade NAT"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"}, // cloud metadata, 169.254.169.254
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol"}, // includes a cloud metadata address, 192.0.0.192
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"}, // and the broadcast address
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"64:ff9b:1::/48", "local NAT64"},
		{"100::/64", "discard"},
		{"fc00::/7", "private"}, // unique local, including AWS's fd00:ec2::254
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedRange, len(list))
	for i, r := range list {
		out[i] = blockedRange{netip.MustParsePrefix(r.cidr), r.class}
	}
	return out
}

// guard refuses non-public addresses; a nil guard allows everything.
type guard struct{ ranges []blockedRange }

func newGuard(allowPrivate bool) *guard {
	if allowPrivate {
		return nil
	}
	return &guard{ranges: blockedRanges()}
}

// check returns a *BlockedError for an address that is not public.
func (g *guard) check(a netip.Addr) error {
	if g == nil {
		return nil
	}
	a = embeddedIPv4(a.WithZone(""))
	for _, r := range g.ranges {
		if r.prefix.Contains(a) {
			return &BlockedError{Addr: a, Class: r.class}
		}
	}
	return nil
}

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address stands for, when
// it is IPv4-mapped, NAT64 or 6to4, and the address itself otherwise.
func embeddedIPv4(a netip.Addr) netip.Addr {
	a = a.Unmap()
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16]))
	case sixTo4.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6]))
	}
	return a
}

// control is a net.Dialer Control function: it sees the address actually
// being dialled, after DNS resolution, so a name that resolves (or
// re-resolves) to a private address is refused at every connection.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	if g == nil {
		return nil
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial address %q: %w", address, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("webhook: dial address %q is not an IP address", address)
	}
	return g.check(a)
}

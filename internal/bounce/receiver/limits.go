package receiver

import (
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientKey is what the per-client limits count by: the IPv4 address, or
// the /64 of an IPv6 address, since one host commonly holds a whole /64.
// ip is the address itself, for logs and Message.Client.
func clientKey(a net.Addr) (key, ip string) {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String(), a.String()
	}
	addr, ok := netip.AddrFromSlice(ta.IP)
	if !ok {
		return ta.String(), ta.String()
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String(), addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String(), addr.String()
}

// gate caps connections open at once, in all and per client.
type gate struct {
	mu        sync.Mutex
	total     int
	max, per  int
	perClient map[string]int
}

func newGate(max, per int) *gate {
	return &gate{max: max, per: per, perClient: map[string]int{}}
}

// enter admits a connection from key and returns "", or returns the
// reply (after the code 421) that refuses it.
func (g *gate) enter(key string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.total >= g.max:
		return "4.3.2 Too busy, try again later"
	case g.perClient[key] >= g.per:
		return "4.7.0 Too many connections from your address, try again later"
	}
	g.total++
	g.perClient[key]++
	return ""
}

func (g *gate) leave(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.total--
	if g.perClient[key]--; g.perClient[key] <= 0 {
		delete(g.perClient, key)
	}
}

// rateLimiter lets each client send perMinute messages a minute, with a
// burst of as many. Limiters that have refilled are forgotten once the
// map grows, since a full bucket is what a new client gets anyway.
type rateLimiter struct {
	mu      sync.Mutex
	every   rate.Limit
	burst   int
	clients map[string]*rate.Limiter
	sweepAt int
}

const minSweep = 1024

func newRateLimiter(perMinute int) *rateLimiter {
	return &rateLimiter{
		every:   rate.Every(time.Minute / time.Duration(perMinute)),
		burst:   perMinute,
		clients: map[string]*rate.Limiter{},
		sweepAt: minSweep,
	}
}

// allow takes one message from key's allowance at now, if there is one.
func (r *rateLimiter) allow(key string, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.clients[key]
	if l == nil {
		if len(r.clients) >= r.sweepAt {
			r.sweep(now)
		}
		l = rate.NewLimiter(r.every, r.burst)
		r.clients[key] = l
	}
	return l.AllowN(now, 1)
}

// sweep forgets full buckets; if most are not, it waits for the map to
// double before trying again, so that a busy server does not sweep on
// every new client.
func (r *rateLimiter) sweep(now time.Time) {
	for k, l := range r.clients {
		if l.TokensAt(now) >= float64(r.burst) {
			delete(r.clients, k)
		}
	}
	r.sweepAt = max(minSweep, 2*len(r.clients))
}

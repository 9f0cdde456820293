package main

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// maxConnsPerClient is how many HTTP connections one client may hold open
// at once. A browser opens six or so; a client holding dozens is trying to
// take the connections everyone else needs (slowloris, a connection
// flood), and the ones past the cap are closed as they arrive.
const maxConnsPerClient = 64

// perClient caps ln's connections per client address (IPv6 clients by
// their /64, as the request limits count them). A trusted proxy is not
// capped: every client behind it arrives on its connections.
func (a *app) perClient(ln net.Listener) net.Listener {
	l := &capListener{Listener: ln, max: maxConnsPerClient, open: map[netip.Addr]int{}}
	for _, p := range a.cfg.TrustedProxies {
		if pfx, err := netip.ParsePrefix(p); err == nil {
			l.exempt = append(l.exempt, pfx)
		}
	}
	l.refused = func(client netip.Addr) {
		// One line a minute at most: a flood must not flood the log.
		if now := time.Now().Unix(); now-l.logged.Load() >= 60 {
			l.logged.Store(now)
			a.log.Warn("connections refused: a client holds the most open connections allowed", "client", client.String(), "max", l.max)
		}
	}
	return l
}

// capListener closes each connection that would take its client past max
// open connections.
type capListener struct {
	net.Listener
	max     int
	exempt  []netip.Prefix
	refused func(client netip.Addr)
	logged  atomic.Int64 // unix time of the last refusal logged

	mu   sync.Mutex
	open map[netip.Addr]int
}

// Accept returns the next connection within its client's cap.
func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		client, capped := l.client(c.RemoteAddr())
		if !capped {
			return c, nil
		}
		if l.take(client) {
			return &countedConn{Conn: c, release: func() { l.give(client) }}, nil
		}
		c.Close()
		if l.refused != nil {
			l.refused(client)
		}
	}
}

// client is the key a remote address counts under, and whether it is
// capped at all.
func (l *capListener) client(remote net.Addr) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return netip.Addr{}, false
	}
	ip := ap.Addr().Unmap()
	for _, p := range l.exempt {
		if p.Contains(ip) {
			return ip, false
		}
	}
	if ip.Is6() {
		ip = netip.PrefixFrom(ip, 64).Masked().Addr()
	}
	return ip, true
}

func (l *capListener) take(client netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[client] >= l.max {
		return false
	}
	l.open[client]++
	return true
}

func (l *capListener) give(client netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[client]--; l.open[client] <= 0 {
		delete(l.open, client)
	}
}

// countedConn gives its place back when it is closed, once.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

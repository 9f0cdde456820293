package receiver

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// How much a client may make the server read. Each message it may send
// (each MAIL command the rate limit lets through) allows budget(MaxBytes);
// before its first MAIL, a connection may read commandAllowance. Past
// that the connection is cut. The budget leaves room for dot-stuffing,
// which can add a third to a message on the wire (".\r\n" is sent as
// "..\r\n"), and drainAllowance lets a client that sends a little more
// than MaxBytes hear a clean 552 at the end of its data instead of a reset
// connection, which it would take for a temporary failure and retry.
// go-smtp otherwise reads the rest of an oversized message, and a refused
// BDAT chunk of any declared size up to 4 GiB, to stay in step with the
// client.
const (
	drainAllowance   = 1 << 20
	commandAllowance = 64 << 10
)

func budget(maxBytes int64) int64 {
	return maxBytes + maxBytes/3 + 1 + drainAllowance + commandAllowance
}

// errBudget is what a connection's reads return once its budget is spent.
var errBudget = errors.New("receiver: client sent more than its allowance")

// listener admits connections within the gate's limits and refuses the
// rest with a 421 greeting.
type listener struct {
	net.Listener
	s *Server
}

func (l listener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.s.admit(nc); c != nil {
			return c, nil
		}
	}
}

// admit wraps nc, or refuses it and returns nil.
func (s *Server) admit(nc net.Conn) *clientConn {
	key, ip := clientKey(nc.RemoteAddr())
	if reply := s.gate.enter(key); reply != "" {
		s.cfg.Log.Info("bounce receiver: connection refused", "client", ip, "reply", reply)
		go s.refuse(nc, reply)
		return nil
	}
	c := &clientConn{Conn: nc, s: s, key: key, ip: ip, budget: commandAllowance}
	if !s.track(c) {
		c.Close()
		return nil
	}
	return c
}

// refuse sends the one-line greeting that RFC 5321 (3.1) lets a server
// give when it will not serve a client, and hangs up.
func (s *Server) refuse(nc net.Conn, reply string) {
	nc.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	io.WriteString(nc, "421 "+reply+"\r\n")
	nc.Close()
}

// clientConn is one client's connection: it counts what the client may
// still make the server read, lets the gate know when it closes, and
// during Shutdown makes an idle connection's next wait for a command end
// at once.
type clientConn struct {
	net.Conn
	s       *Server
	key, ip string
	once    sync.Once

	mu       sync.Mutex
	budget   int64 // bytes the server may still read
	cut      bool  // budget spent, or hang-up asked: close after the next reply
	stopping bool  // the server is shutting down
	busy     bool  // a message is being received and recorded
}

// connOf finds the clientConn under a connection go-smtp hands a session,
// which after STARTTLS is a *tls.Conn around it.
func connOf(nc net.Conn) *clientConn {
	switch c := nc.(type) {
	case *clientConn:
		return c
	case *tls.Conn:
		return connOf(c.NetConn())
	}
	return nil
}

func (c *clientConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if c.budget <= 0 {
		c.cut = true
		c.mu.Unlock()
		return 0, errBudget
	}
	if int64(len(b)) > c.budget {
		b = b[:c.budget]
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.budget -= int64(n)
	c.mu.Unlock()
	return n, err
}

// Write sends a reply, then hangs up if the client has spent its budget:
// the reply that follows the cut (552 after an oversized message, or 421)
// is the last thing it hears.
func (c *clientConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	cut := c.cut
	c.mu.Unlock()
	if cut {
		c.Close()
	}
	return n, err
}

// SetReadDeadline is go-smtp's wait for the next command; during Shutdown
// an idle connection's wait ends at once, and go-smtp says 421 4.4.2 and
// hangs up.
func (c *clientConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	if c.stopping && !c.busy {
		t = time.Now()
	}
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

func (c *clientConn) Close() error {
	var err error
	c.once.Do(func() {
		// Leave the gate first: once the client sees the connection
		// close, its place is free.
		c.s.untrack(c)
		c.s.gate.leave(c.key)
		err = c.Conn.Close()
	})
	return err
}

// rearm gives the client a new allowance, for a message it may send.
func (c *clientConn) rearm(n int64) {
	c.mu.Lock()
	c.budget = n
	c.mu.Unlock()
}

// hangUpAfterReply makes the next reply the last.
func (c *clientConn) hangUpAfterReply() {
	c.mu.Lock()
	c.cut = true
	c.mu.Unlock()
}

// beginData marks a message in progress, so that Shutdown lets it finish,
// and gives the whole of its data readTimeout from now.
func (c *clientConn) beginData(readTimeout time.Duration) {
	c.mu.Lock()
	c.busy = true
	c.mu.Unlock()
	c.Conn.SetReadDeadline(time.Now().Add(readTimeout))
}

func (c *clientConn) endData() {
	c.mu.Lock()
	c.busy = false
	c.mu.Unlock()
}

// stopAfterReply ends the connection once it is idle: at once if it is
// waiting for a command, after the reply to its message if one is being
// received.
func (c *clientConn) stopAfterReply() {
	c.mu.Lock()
	c.stopping = true
	idle := !c.busy
	c.mu.Unlock()
	if idle {
		c.Conn.SetReadDeadline(time.Now())
	}
}

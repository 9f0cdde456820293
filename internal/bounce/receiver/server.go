package receiver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/emersion/go-smtp"
)

// Server is the bounce domain's SMTP server. Make it with New, run it with
// Serve, stop it with Shutdown or Close.
type Server struct {
	cfg   Config
	smtp  *smtp.Server
	gate  *gate
	rate  *rateLimiter
	ctx   context.Context // ends when the server is closed: Accept's parent
	abort context.CancelFunc

	mu      sync.Mutex
	closing bool
	lns     []net.Listener
	conns   map[*clientConn]struct{}
}

// New checks cfg and returns a server that is not yet listening.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:   cfg,
		gate:  newGate(cfg.MaxSessions, cfg.MaxConnsPerClient),
		rate:  newRateLimiter(cfg.MessagesPerMinute),
		conns: map[*clientConn]struct{}{},
	}
	s.ctx, s.abort = context.WithCancel(context.Background())
	srv := smtp.NewServer(backend{s})
	srv.Domain = cfg.Hostname
	// go-smtp refuses a message that reaches its limit even when the end
	// of data comes next; one byte more lets exactly MaxBytes through,
	// and Mail and Data enforce MaxBytes themselves. (EHLO states the
	// SIZE one byte over; no client is the worse for it.)
	srv.MaxMessageBytes = cfg.MaxBytes + 1
	srv.MaxRecipients = cfg.MaxRecipients
	srv.ReadTimeout, srv.WriteTimeout = cfg.ReadTimeout, cfg.WriteTimeout
	srv.TLSConfig = cfg.TLS
	srv.ErrorLog = errorLog{cfg.Log}
	s.smtp = srv
	return s, nil
}

// Serve accepts connections on ln until the server is closed, when it
// returns ErrServerClosed. ln should be a TCP listener, so that limits
// apply per client address.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	err := s.smtp.Serve(listener{Listener: ln, s: s})
	if err == nil || s.isClosing() { // go-smtp returns nil once closed
		return ErrServerClosed
	}
	return fmt.Errorf("receiver: %w", err)
}

// Close closes the listeners and every connection at once, and cancels
// the context of Accept calls in progress. A message whose Accept has not
// returned gets no reply, so its client sends it again later.
func (s *Server) Close() error {
	s.stop()
	s.smtp.Close()
	s.closeConns()
	s.abort()
	return nil
}

// Shutdown stops accepting connections, closes those waiting for a
// command (with 421 4.4.2), lets each message being received finish and
// get its reply, and returns when every connection is closed. When ctx
// ends first it closes the rest as Close does and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stop()
	for _, c := range s.openConns() {
		c.stopAfterReply()
	}
	// go-smtp's own error can only be about the listeners, which stop
	// has closed already; what matters is whether ctx ended first.
	s.smtp.Shutdown(ctx)
	defer s.abort()
	if err := ctx.Err(); err != nil {
		s.closeConns()
		return fmt.Errorf("receiver: shutdown: %w", err)
	}
	return nil
}

// stop marks the server closing and closes its listeners, including any
// handed to Serve that go-smtp has not registered yet.
func (s *Server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for _, ln := range s.lns {
		ln.Close()
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) closeConns() {
	for _, c := range s.openConns() {
		c.Close()
	}
}

// openConns lists the open connections; a connection's Close takes s.mu,
// so they are closed outside it.
func (s *Server) openConns() []*clientConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := make([]*clientConn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	return cs
}

// track records c as open, or refuses it when the server is closing.
func (s *Server) track(c *clientConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c *clientConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// errorLog passes go-smtp's own complaints to the logger at debug level:
// connections reset, timeouts and clients cut off are the Internet's
// normal noise. A panic go-smtp recovered from is also a warning, without
// its stack: go-smtp v0.25.1 has one of its own that a client can cause
// (BDAT 0, then hanging up, leaves its Data goroutine without a session),
// and Valid and Accept are guarded by the session itself.
type errorLog struct{ log *slog.Logger }

func (e errorLog) Printf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	if strings.HasPrefix(msg, "panic") {
		first, _, _ := strings.Cut(msg, "\n")
		e.log.Warn("bounce receiver: smtp: recovered from a panic", "err", first)
	}
	e.log.Debug("bounce receiver: smtp: " + msg)
}

func (e errorLog) Println(v ...any) { e.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

package smtptest

import (
	"net"
	"strconv"
	"sync"
)

// Silent is a mail server that accepts connections and never says a word,
// not even its greeting: a relay that hangs, or a firewall that swallows
// the conversation. It stands in for the worst case of a shutdown.
type Silent struct {
	Addr string
	Port int

	ln       net.Listener
	accepted chan struct{}
	mu       sync.Mutex
	conns    []net.Conn
}

// StartSilent listens on a free port of 127.0.0.1. Stop it with Close.
func StartSilent() (*Silent, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Silent{ln: ln, accepted: make(chan struct{}, 64)}
	s.Addr, s.Port = ln.Addr().String(), ln.Addr().(*net.TCPAddr).Port
	go s.serve()
	return s, nil
}

func (s *Silent) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns = append(s.conns, c)
		s.mu.Unlock()
		select {
		case s.accepted <- struct{}{}:
		default:
		}
	}
}

// URL is the server's address as a DRIP_SMTP_URL.
func (s *Silent) URL() string { return "smtp://127.0.0.1:" + strconv.Itoa(s.Port) + "?tls=none" }

// Accepted is signalled for each connection the server takes (and then
// ignores).
func (s *Silent) Accepted() <-chan struct{} { return s.accepted }

// Close stops listening and closes every connection taken.
func (s *Silent) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
	return err
}

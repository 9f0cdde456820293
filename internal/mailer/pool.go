package mailer

import (
	"errors"
	"time"
)

// restFor is how long a slot whose connection the server refused stays
// out of use while other connections work: a relay that takes fewer
// connections from one client than DRIP_SMTP_CONNECTIONS refuses the rest
// each time, and each refusal would otherwise cost a message its turn.
const restFor = 30 * time.Second

// drop closes a connection whose state is unknown, without QUIT: a server
// still reading a body would take QUIT as a line of it and never answer.
// The next message on its slot dials afresh.
func (s *SMTP) drop(c *conn) {
	if c.sc != nil {
		c.sc.Close()
		c.sc = nil
		s.live.Add(-1)
	}
	c.buf = nil
}

// rest takes slot c out of use for restFor, then hands it back.
func (s *SMTP) rest(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resting[c] = time.AfterFunc(restFor, func() {
		s.mu.Lock()
		delete(s.resting, c)
		s.mu.Unlock()
		s.slots <- c
	})
}

// wake hands back every resting slot at once.
func (s *SMTP) wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, t := range s.resting {
		if t.Stop() {
			delete(s.resting, c)
			s.slots <- c
		}
	}
}

// Close waits for messages in flight and closes every open connection.
// The sender stays usable: a later Send dials again.
func (s *SMTP) Close() error {
	s.wake()
	var errs []error
	held := make([]*conn, 0, cap(s.slots))
	for range cap(s.slots) {
		c := <-s.slots
		if c.sc != nil {
			if err := s.client.CloseWithSMTPClient(c.sc); err != nil {
				errs = append(errs, err)
				c.sc.Close() // QUIT failed, so the connection is still open
			}
			c.sc = nil
			s.live.Add(-1)
		}
		held = append(held, c)
	}
	for _, c := range held {
		s.slots <- c
	}
	return errors.Join(errs...)
}

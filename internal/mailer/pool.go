package mailer

import (
	"context"
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

// rest takes slot c out of use for restFor, then hands it back; at once
// once Shutdown has begun, which waits for every slot.
func (s *SMTP) rest(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping.Err() != nil {
		s.slots <- c
		return
	}
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

// quitTimeout bounds the wait for the reply to QUIT: the message is
// already recorded, and a server that does not answer is just closed.
const quitTimeout = 5 * time.Second

// Close waits for messages in flight and closes every open connection.
// The sender stays usable: a later Send dials again.
func (s *SMTP) Close() error {
	return s.closeAll(context.Background())
}

// Shutdown stops the sender for good. A dial or greeting in progress gives
// up at once and no connection is made after it; a message already under
// way may finish until ctx ends, when its connection is closed and it
// fails as temporary, to be sent again. Shutdown returns once no message
// is in flight, every connection closed (with QUIT while ctx lasts).
func (s *SMTP) Shutdown(ctx context.Context) error {
	s.stop()
	defer context.AfterFunc(ctx, s.cut)()
	return s.closeAll(ctx)
}

// closeAll waits for every slot, and closes its connection: with QUIT, for
// at most quitTimeout and not past ctx's deadline, or at once when ctx has
// ended.
func (s *SMTP) closeAll(ctx context.Context) error {
	s.wake()
	var errs []error
	held := make([]*conn, 0, cap(s.slots))
	for range cap(s.slots) {
		c := <-s.slots
		if c.sc != nil {
			if err := s.quit(ctx, c); err != nil {
				errs = append(errs, err)
			}
		}
		held = append(held, c)
	}
	for _, c := range held {
		s.slots <- c
	}
	return errors.Join(errs...)
}

// quit says QUIT on c's connection and closes it.
func (s *SMTP) quit(ctx context.Context, c *conn) error {
	wait := quitTimeout
	if d, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(d))
	}
	if ctx.Err() != nil || wait <= 0 {
		s.drop(c)
		return nil
	}
	var err error
	if err = c.sc.UpdateDeadline(wait); err == nil {
		err = s.client.CloseWithSMTPClient(c.sc)
	}
	if err != nil {
		c.sc.Close() // QUIT failed, so the connection is still open
	}
	c.sc = nil
	s.live.Add(-1)
	return err
}

package mailer_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// A relay that takes fewer connections from one client than the sender
// has refuses the others at EHLO. Every message still goes, over the
// connections it took, and none fails for the refusal.
func TestSMTPConnectionCapOfTheServer(t *testing.T) {
	srv := startServer(t)
	srv.Limit(2)
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, Timeout: 5 * time.Second, Connections: 4}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		done := make(chan error, 1)
		go func() { done <- s.Close() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Close waited for resting connections")
		}
	}()
	if err := sendNow(t, s, testMessage("first@example.test")); err != nil {
		t.Fatal(err) // one connection is open from here on
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				errs <- sendNow(t, s, testMessage(fmt.Sprintf("m%d-%d@example.test", w, i)))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a message failed because the server capped connections: %v", err)
		}
	}
	if n := srv.Count(); n != 41 {
		t.Fatalf("the server took %d messages, want 41", n)
	}
}

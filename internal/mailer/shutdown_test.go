package mailer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// Shutdown must end a send whatever the server does: the process is
// stopping, and a relay that stays silent must not hold it for the SMTP
// timeout (an hour here, so a send that waits it out fails the test).

// sendAsync starts a send and returns where its result will come.
func sendAsync(s *mailer.SMTP, m *mailer.Message) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Send(context.Background(), m) }()
	return done
}

// ended waits for a send that Shutdown should have ended; the bound is a
// failure, not a measurement.
func ended(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the send still waits on a silent server after Shutdown")
		return nil
	}
}

func TestShutdownCancelsASilentGreeting(t *testing.T) {
	silent, err := smtptest.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: silent.Port, TLS: mailer.TLSNone, Timeout: time.Hour, Connections: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := sendAsync(s, testMessage("g@example.test"))
	<-silent.Accepted() // connected; the greeting never comes
	// Shutdown's context has time to spare: a greeting is not a message
	// in flight, so it is abandoned at once, not waited for.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()
	err = ended(t, done)
	var me *mailer.Error
	if !errors.As(err, &me) || !me.Temporary {
		t.Errorf("a send cut off in its greeting: %v, want a temporary *mailer.Error", err)
	}
	if err := ended(t, shut); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	// No connection is made after Shutdown.
	if err := s.Send(context.Background(), testMessage("h@example.test")); err == nil {
		t.Error("a send after Shutdown went through")
	}
}

func TestShutdownCutsAStalledTransaction(t *testing.T) {
	srv := startServer(t)
	stalled, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	srv.SetRule(func(st smtptest.Stage, _ string) error {
		if st == smtptest.StageData {
			close(stalled)
			<-release
		}
		return nil
	})
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, Timeout: time.Hour, Connections: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := sendAsync(s, testMessage("s@example.test"))
	<-stalled
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time left: the message in flight is cut off
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	err = ended(t, done)
	var me *mailer.Error
	if !errors.As(err, &me) || !me.Temporary {
		t.Errorf("a send cut off mid-message: %v, want a temporary *mailer.Error (to be sent again)", err)
	}
}

// Until Shutdown's context ends, a message under way finishes.
func TestShutdownLetsAMessageFinish(t *testing.T) {
	srv := startServer(t)
	stalled, release := make(chan struct{}), make(chan struct{})
	srv.SetRule(func(st smtptest.Stage, _ string) error {
		if st == smtptest.StageData {
			close(stalled)
			<-release
		}
		return nil
	})
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, Timeout: time.Hour, Connections: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := sendAsync(s, testMessage("f@example.test"))
	<-stalled
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	close(release)
	if err := ended(t, done); err != nil {
		t.Errorf("a message under way at Shutdown: %v, want sent", err)
	}
	if err := ended(t, shut); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if srv.Count() != 1 {
		t.Errorf("the server has %d messages, want 1", srv.Count())
	}
}

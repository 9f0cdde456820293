package mailer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// How a send answers its context: cancelled before it starts, or cut off
// at its deadline by a stalled server.

func TestSMTPCancelledContext(t *testing.T) {
	srv := startServer(t)
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, Timeout: 5 * time.Second, Connections: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = s.Send(ctx, testMessage("c@example.test"))
	var me *mailer.Error
	if !errors.As(err, &me) || !me.Temporary {
		t.Errorf("Send with cancelled context: %v, want a temporary *mailer.Error", err)
	}
}

// TestSMTPSendEndsByDeadline: a stalled server must not keep a send going
// past the caller's deadline (a lesson's lease), however long the
// configured timeout. Without the deadline this test would hang until the
// stalled server is released at its end.
func TestSMTPSendEndsByDeadline(t *testing.T) {
	srv := startServer(t)
	release := make(chan struct{})
	defer close(release)
	srv.SetRule(func(st smtptest.Stage, _ string) error {
		if st == smtptest.StageData {
			<-release
		}
		return nil
	})
	s, err := mailer.NewSMTP(mailer.SMTPConfig{Host: "127.0.0.1", Port: srv.Port, TLS: mailer.TLSNone, Timeout: time.Hour, Connections: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Send(ctx, testMessage("d@example.test"))
	var me *mailer.Error
	if !errors.As(err, &me) || !me.Temporary {
		t.Errorf("Send to a stalled server past its deadline: %v, want a temporary *mailer.Error", err)
	}
}

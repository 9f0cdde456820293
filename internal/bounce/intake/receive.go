package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

// Valid is the SMTP receiver's check of a recipient's local part
// (receiver.Config.Valid): "b+TOKEN" whose token verifies and names a
// message still held. When the database cannot say, the recipient is
// taken: Accept then records the report or, failing that, has the sender
// retry, where a refusal here would lose the bounce for good.
func (in *Intake) Valid(localPart string) bool {
	ref, err := in.cfg.Signer.ParseBounceLocalPart(localPart)
	if err != nil {
		in.refusedLog("smtp", "token", "a recipient's token does not verify", nil)
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	lesson, conf := ref.ID, int64(0)
	if ref.Kind == token.BounceConfirmation {
		lesson, conf = 0, ref.ID
	}
	held, err := in.cfg.DB.MessageHeld(ctx, lesson, conf)
	if err != nil {
		in.cfg.Log.Warn("bounce receiver: recipient taken unchecked: the database did not answer", "err", err)
		return true
	}
	if !held {
		in.refusedLog("smtp", "gone", "a recipient's token names a message no longer held", nil)
	}
	return held
}

// Accept records a message the SMTP receiver took
// (receiver.Config.Accept). A message that holds no report (a person's
// reply to a return address, a blob, a message cut short before any
// report) is refused for good with the reason (receiver.ErrNoReport):
// sending it again would change nothing. Any failure to record answers
// 451, and the sender retries.
func (in *Intake) Accept(ctx context.Context, m receiver.Message) error {
	_, err := in.Message(ctx, m.Data, m.To, false)
	if notReport(err) {
		in.refusedLog("smtp", "not-report", "a message to a return address holds no report", err)
		return fmt.Errorf("%w: %w", receiver.ErrNoReport, err)
	}
	return err
}

// notReport reports whether err says a message holds nothing to record.
func notReport(err error) bool {
	for _, e := range []error{bounce.ErrNotMessage, bounce.ErrNotReport, bounce.ErrTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// refusedLog counts a refusal and logs it, once a minute per way and
// reason, with how many were held back.
func (in *Intake) refusedLog(way, reason, msg string, err error) {
	in.cfg.Metrics.BounceRefused(way, reason)
	if ok, held := in.logs.due(way+"/"+reason, in.cfg.Now()); ok {
		attrs := []any{"way", way, "reason", reason, "like_it_in_the_last_minute", held}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		in.cfg.Log.Info("bounce intake: "+msg, attrs...)
	}
}

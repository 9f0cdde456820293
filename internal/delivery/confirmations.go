package delivery

import (
	"context"
	"errors"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

func (r *Runner) sendConfirmations(ctx context.Context, ct *compose.Content, gate *setupGate) (Summary, error) {
	claim := func() ([]store.ConfirmJob, error) {
		return r.DB.ClaimConfirmations(ctx, r.Now().UTC(), r.Lease, r.Batch, func(id int64) string { return r.Composer.NewMessageID("c", id) })
	}
	skip := func(j store.ConfirmJob) { r.requeue(ctx, j, r.Now().UTC()) }
	handle := func(ctx context.Context, j store.ConfirmJob) (Summary, error) {
		ctx, cancel, ok := r.leased(ctx, j.LeaseUntil)
		defer cancel()
		if !ok {
			return Summary{}, nil // its lease brings it back
		}
		return r.sendConfirmation(ctx, ct, j, gate)
	}
	return work(ctx, r, claim, handle, skip)
}

// requeue puts a claimed confirmation that was not sent back in the queue.
func (r *Runner) requeue(ctx context.Context, j store.ConfirmJob, due time.Time) {
	if err := r.DB.RequeueConfirmation(context.WithoutCancel(ctx), j, due); err != nil {
		r.Log.Warn("requeue confirmation", "confirmation", j.ID, "err", err)
	}
}

// sendConfirmation sends one claimed confirmation and records how it went.
// A failure of our own setup (mailer.Error.Setup) puts it back in the
// queue, uncharged, and gate decides whether the pass goes on.
func (r *Runner) sendConfirmation(ctx context.Context, ct *compose.Content, j store.ConfirmJob, gate *setupGate) (Summary, error) {
	// The reader may have confirmed, left or been erased since the claim.
	s, err := r.DB.Subscriber(ctx, j.Subscriber.ID)
	want := err == nil
	if want {
		want, err = r.DB.Wanted(ctx, s, j.Course)
	}
	if !want {
		if err == nil || errors.Is(err, drip.ErrNotFound) {
			r.DB.RecordConfirmation(ctx, j.ID, drip.DeliveryFailed, store.Reply{Text: "not sent: nothing left to confirm"}, r.Now(), time.Time{})
		}
		return Summary{}, nil
	}
	at := r.Now().UTC()
	crs, ok := ct.Course(j.Course)
	if !ok {
		// Its confirming would find no course to start.
		r.DB.RecordConfirmation(ctx, j.ID, drip.DeliveryFailed, store.Reply{Text: "not sent: the course " + j.Course + " is not in the lessons directory"}, r.Now(), time.Time{})
		return Summary{}, nil
	}
	msg, err := r.Composer.Confirmation(ct, crs, j.Subscriber, j.MessageID, at)
	if err == nil {
		msg.EnvelopeFrom = r.Composer.ReturnPath(token.BounceConfirmation, j.ID)
		err = r.Sender.Send(ctx, msg)
		at = r.Now().UTC()
	} else {
		r.Log.Error("render confirmation", "err", err)
		err = &mailer.Error{Text: "render: " + err.Error(), Temporary: true}
	}
	if e := refusal(err); e != nil {
		due, stop := gate.failed(e, r.Now().UTC())
		r.requeue(ctx, j, due)
		return Summary{}, stop
	}
	gate.ok()
	a, reply := attempt(err, at, j.Attempts, j.CreatedAt)
	n := schedule.AfterConfirmation(a)
	var sum Summary
	if n.Bounce {
		if err := r.DB.MarkBounced(ctx, j.Subscriber.ID, reply.String(), at); err != nil {
			r.Log.Error("mark bounced", "subscriber", j.Subscriber.ID, "err", err)
		}
	}
	if n.Result == drip.DeliverySent {
		sum.Confirmations++
	}
	if err := r.DB.RecordConfirmation(ctx, j.ID, n.Result, reply, at, n.Due); err != nil {
		r.Log.Error("record confirmation", "confirmation", j.ID, "err", err)
	}
	return sum, nil
}

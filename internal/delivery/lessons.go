package delivery

import (
	"context"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// missingCourseWait is how long the readers of a course that is no longer
// in the set wait before they are looked at again.
const missingCourseWait = time.Hour

// missingCourse logs, once a pass, that readers wait for a course that
// is not in the lessons directory.
func (r *Runner) missingCourse(slug string) {
	if _, seen := r.missing.LoadOrStore(slug, true); !seen {
		r.Log.Warn("readers are enrolled in a course that is not in the lessons directory: they wait until it is back", "course", slug)
	}
}

// recheckAfter is how old a claim may be before the reader's status is
// read again just before sending: a reader who leaves more than this long
// before their lesson goes out does not get it.
const recheckAfter = time.Second

func (r *Runner) sendLessons(ctx context.Context, ct *compose.Content, now time.Time, gate *setupGate) (Summary, error) {
	pick := func(d store.Due) store.Pick {
		crs, ok := ct.Course(d.Enrollment.Course)
		if !ok {
			// A course taken out of the set: its readers wait, where
			// they are, until it is back.
			r.missingCourse(d.Enrollment.Course)
			return store.Pick{Later: r.Now().UTC().Add(missingCourseWait)}
		}
		c := schedule.Choose(crs, readerOf(d), r.Now().UTC())
		if c.Lesson == nil {
			return store.Pick{Later: c.Later}
		}
		return store.Pick{Slug: c.Lesson.Slug, MessageID: r.Composer.NewMessageID("d", d.Enrollment.ID)}
	}
	rec := r.DB.NewRecorder(r.Workers)
	defer func() {
		if err := rec.Close(); err != nil {
			r.Log.Warn("outcomes not yet in the database; the next claim or start applies them", "err", err)
		}
	}()
	// Each claim's lease starts when it is taken, not when the pass began:
	// a long pass must not hand out leases that have already run out.
	claim := func() ([]store.Job, error) {
		now := r.Now().UTC()
		if err := rec.Settle(ctx, now); err != nil {
			return nil, err
		}
		return r.DB.ClaimDue(ctx, now, r.Lease, r.Batch, pick)
	}
	skip := func(j store.Job) { r.putBack(ctx, j, now) }
	handle := func(ctx context.Context, j store.Job) (Summary, error) {
		ctx, cancel, ok := r.leased(ctx, j.LeaseUntil)
		defer cancel()
		if !ok || !r.stillWanted(ctx, j) {
			skip(j)
			return Summary{}, nil
		}
		return r.sendLesson(ctx, ct, j, rec, gate, skip)
	}
	return work(ctx, r, claim, handle, skip)
}

// putBack releases a claimed lesson that was not sent, due again at due.
func (r *Runner) putBack(ctx context.Context, j store.Job, due time.Time) {
	if err := r.DB.Release(context.WithoutCancel(ctx), j, due); err != nil {
		r.Log.Warn("release claimed lesson", "enrollment", j.Enrollment.ID, "err", err)
	}
}

// stillWanted reports whether a claimed lesson should still go out. A
// reader may have left since the claim, and their lesson is then dropped.
// The claim itself skips stopped readers, so only a claim that has waited
// (behind a rate limit, say) is asked again: a fresh one costs no query.
func (r *Runner) stillWanted(ctx context.Context, j store.Job) bool {
	if r.Now().Sub(j.ClaimedAt) <= recheckAfter {
		return true
	}
	ok, err := r.DB.StillActive(ctx, j.Enrollment.ID)
	return err == nil && ok
}

// sendLesson sends one claimed lesson and records its outcome. A failure
// of our own setup (mailer.Error.Setup) is no outcome: the lesson goes
// back, uncharged, and gate decides whether the pass goes on.
func (r *Runner) sendLesson(ctx context.Context, ct *compose.Content, j store.Job, rec *store.Recorder, gate *setupGate, skip func(store.Job)) (Summary, error) {
	began := time.Now()
	crs, _ := ct.Course(j.Enrollment.Course)
	l, _ := crs.Lesson(j.Slug)
	at := r.Now().UTC()
	var sendErr error
	msg, err := r.Composer.Lesson(ct, l, j.Subscriber, j.DeliveryID, j.MessageID, at)
	if !rec.Enter() {
		// An outcome of this pass could not be recorded; one sent now
		// would likely not be either, and would go again after its lease.
		skip(j)
		return Summary{}, nil
	}
	if !r.enoughLease(j.LeaseUntil) {
		// The wait for a place (commits held up) ate into the lease.
		rec.Leave()
		skip(j)
		return Summary{}, nil
	}
	if err != nil {
		// A template that fails at send time is the operator's to fix;
		// keep the lesson and try again later rather than lose it.
		r.Log.Error("render lesson", "slug", j.Slug, "delivery", j.DeliveryID, "err", err)
		sendErr = &mailer.Error{Text: "render: " + err.Error(), Temporary: true}
	} else {
		sendErr = r.Sender.Send(ctx, msg)
		at = r.Now().UTC()
	}
	if e := refusal(sendErr); e != nil {
		rec.Leave()
		due, stop := gate.failed(e, r.Now().UTC())
		r.putBack(ctx, j, due)
		return Summary{}, stop
	}
	gate.ok()
	o := r.outcome(ct, j, sendErr, at)
	rec.Record(o, func(err error) {
		if err != nil {
			// The lease will bring this lesson back; the same Message-ID
			// goes with it, so a receiver can tell a repeat.
			r.Log.Error("record delivery", "delivery", j.DeliveryID, "err", err)
		}
		if r.Observe != nil {
			r.Observe(j.Enrollment.Course, o.Result, time.Since(began))
		}
	})
	var sum Summary
	switch {
	case o.Result == drip.DeliverySent:
		sum.Sent++
	case o.Result == drip.DeliveryRetry:
		sum.Retried++
	default:
		sum.Failed++
	}
	if o.Bounce {
		sum.Bounced++
	}
	if o.Complete {
		sum.Completed++
	}
	return sum, nil
}

// outcome is what a send attempt means for the delivery and the reader's
// schedule (schedule.After).
func (r *Runner) outcome(ct *compose.Content, j store.Job, sendErr error, at time.Time) store.Outcome {
	a, reply := attempt(sendErr, at, j.Attempts, j.FirstAttemptAt)
	if a.Failed && mailer.AsError(sendErr).Ours() {
		r.Log.Error("mail server refused our message: check the sending setup (SPF, DKIM, authentication, reputation)",
			"delivery", j.DeliveryID, "code", reply.Code, "enhanced", reply.Enhanced) // the text may hold the address
	}
	crs, _ := ct.Course(j.Enrollment.Course)
	n := schedule.After(crs, readerOf(j.Due), j.Slug, a)
	return store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
		Slug: j.Slug, Result: n.Result, Reply: reply, At: at, NextDue: n.Due, Complete: n.Complete, Bounce: n.Bounce,
		LeaseUntil: j.LeaseUntil}
}

// attempt classifies a send's error for the scheduling rules, and gives
// the reply to record.
func attempt(sendErr error, at time.Time, attempts int, first time.Time) (schedule.Attempt, store.Reply) {
	a := schedule.Attempt{At: at, Attempts: attempts, First: first}
	if sendErr == nil {
		return a, store.Reply{Code: 250, Text: "OK"}
	}
	e := mailer.AsError(sendErr)
	a.Failed, a.Retry, a.Bounce = true, e.Retry(), e.Bounce()
	return a, store.Reply{Code: e.Code, Enhanced: e.Enhanced, Text: e.Text}
}

// readerOf is a claimed reader as the scheduling rules see them.
func readerOf(d store.Due) schedule.Reader {
	return schedule.Reader{Timezone: d.Subscriber.Timezone, Joined: d.Enrollment.ConfirmedAt, NextDue: d.DueAt, Received: d.Received}
}

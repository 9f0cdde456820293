package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// Signup is one submission of the signup form, already validated.
type Signup struct {
	Email    string
	Name     string
	Timezone string
	// Course is the slug of the course signed up for: the reader's
	// enrollment in it waits, pending, for the confirmation.
	Course string
	At     time.Time
	// MaxConfirmations caps the confirmation emails one inbox can be sent
	// within ConfirmWindow, however often and under whichever of its
	// spellings (MailboxKey) it is signed up.
	MaxConfirmations int
	ConfirmWindow    time.Duration
	// MaxPerHour caps the confirmation emails queued in any hour by the
	// whole instance (every instance, on a shared database), so the form
	// can never be made a mail cannon. 0 is no cap (imports). Over it, the
	// signup is kept and its confirmation is not queued: signing up again
	// later queues one.
	MaxPerHour int
	// OneUse are values the signup carries that are accepted once (its
	// captcha solution, its form's start stamp): spent in the signup's
	// transaction, and if any was spent before, nothing else is done.
	OneUse []OneUse
}

// SignupResult says what a signup did. The web layer shows the reader the
// same page whatever it says, so the form reveals nothing.
type SignupResult struct {
	SubscriberID int64
	Created      bool // a new reader was added
	Queued       bool // a confirmation email was queued
	Suppressed   bool // the address may never be mailed
	Held         bool // MaxPerHour held the confirmation back
	Replayed     bool // a OneUse value was spent before: nothing was done
}

// SignupAgain is the detail of the signup event of an address that was a
// reader already: the operator's timeline shows each time it was entered.
const SignupAgain = "again: already a reader"

// signupFacts is what a signup reads before it writes.
type signupFacts struct {
	id            int64 // 0: no reader with this key
	status        drip.Status
	enrolled      drip.EnrollmentStatus // "" when not in the course
	suppressed    int
	recentToInbox int
	hourFull      int // 1: MaxPerHour confirmations were queued in the last hour
}

// subscribe adds or finds the reader, puts their enrollment in the course
// in waiting (pending), and queues a confirmation for that course, even
// when the address is confirmed for another: anybody can type an address.
// It runs the same statements for every address, new, pending, active,
// unsubscribed, bounced, suppressed or erased (signupPath), and
// writes a row in every case but the suppressed ones, so its cost says
// nothing about who is subscribed.
func (db *DB) subscribe(ctx context.Context, tx *sql.Tx, s Signup) (SignupResult, error) {
	s.Email = canonicalOr(s.Email)
	key, box := EmailKey(s.Email), MailboxKey(s.Email)
	if fresh, err := db.spendAll(ctx, tx, s.OneUse, s.At); err != nil || !fresh {
		return SignupResult{Replayed: !fresh}, err
	}
	f, err := db.signupFacts(ctx, tx, s, key, box)
	if err != nil {
		return SignupResult{}, err
	}
	res, queue := decideSignup(f, s)
	return res, db.signupWrite(ctx, tx, s, key, box, f, &res, queue)
}

// signupWrite writes what a signup writes, one statement at a time, and
// sets res.SubscriberID.
func (db *DB) signupWrite(ctx context.Context, tx *sql.Tx, s Signup, key, box string, f signupFacts, res *SignupResult, queue bool) error {
	now := unix(s.At)
	err := db.stmt(ctx, tx, sqlUpsertSubscriber).QueryRowContext(ctx,
		s.Email, key, box, s.Name, s.Timezone, now, f.suppressed == 0).Scan(&res.SubscriberID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	detail := ""
	if f.id != 0 {
		detail = SignupAgain
	}
	if _, err := db.stmt(ctx, tx, sqlSignupEvent).ExecContext(ctx, res.SubscriberID, detail, now, s.Course, res.SubscriberID != 0); err != nil {
		return err
	}
	enroll := res.SubscriberID != 0 && !res.Suppressed && s.Course != ""
	if _, err := db.stmt(ctx, tx, sqlPendingEnroll).ExecContext(ctx, res.SubscriberID, s.Course, now, enroll); err != nil {
		return err
	}
	if _, err := db.stmt(ctx, tx, sqlQueueConfirm).ExecContext(ctx, res.SubscriberID, now, now, s.Course, queue); err != nil {
		return err
	}
	_, err = db.stmt(ctx, tx, sqlFormConfirm).ExecContext(ctx, now, queue)
	return err
}

// signupFacts reads the reader, the suppression list and the two caps'
// counts, each whether or not the answer will matter.
func (db *DB) signupFacts(ctx context.Context, tx *sql.Tx, s Signup, key, box string) (signupFacts, error) {
	var f signupFacts
	err := db.stmt(ctx, tx, sqlFindSubscriber).QueryRowContext(ctx, key).Scan(&f.id, &f.status)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return f, err
	}
	if err := db.stmt(ctx, tx, sqlFindEnrollment).QueryRowContext(ctx, key, s.Course).Scan(&f.enrolled); err != nil {
		return f, err
	}
	err = db.stmt(ctx, tx, sqlSuppressed).QueryRowContext(ctx, hashKey(key), oldRuleHash(s.Email)).Scan(&f.suppressed)
	if err != nil {
		return f, err
	}
	err = db.stmt(ctx, tx, sqlRecentConfirms).QueryRowContext(ctx, box, unix(s.At.Add(-s.ConfirmWindow))).Scan(&f.recentToInbox)
	if err != nil {
		return f, err
	}
	// With no cap, the id looked up is past the newest: never full. Only
	// the form's confirmations count (form_confirms), not imports'.
	err = db.stmt(ctx, tx, sqlHourFull).QueryRowContext(ctx, max(s.MaxPerHour, 0)-1, unix(s.At.Add(-time.Hour))).Scan(&f.hourFull)
	return f, err
}

// decideSignup says what a signup does, from what it read: the result,
// and whether a confirmation email is queued.
func decideSignup(f signupFacts, s Signup) (SignupResult, bool) {
	var res SignupResult
	status := f.status
	switch {
	case f.suppressed > 0:
		// Erased, or the reader asked never to be emailed again.
		return SignupResult{Suppressed: true}, false
	case f.id == 0:
		res.Created, status = true, drip.StatusPending
	case status == drip.StatusBounced || status == drip.StatusComplained:
		res.Suppressed = true
	case status == drip.StatusUnsubscribed:
		// A fresh signup after leaving goes through double opt-in again.
		status = drip.StatusPending
	}
	running := f.enrolled == drip.EnrollActive || f.enrolled == drip.EnrollPaused || f.enrolled == drip.EnrollCompleted
	if res.Suppressed || running || f.recentToInbox >= s.MaxConfirmations {
		return res, false
	}
	if status == drip.StatusActive && s.Course == "" {
		return res, false // confirmed already, and no other course asked for
	}
	if f.hourFull > 0 {
		res.Held = true
		return res, false
	}
	res.Queued = true
	return res, true
}

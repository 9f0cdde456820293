package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The cap on confirmation emails counts per inbox: plus-addressing on
// any domain, and Gmail's dots, do not multiply it.
func TestConfirmationCapPerInbox(t *testing.T) { stores(t, testConfirmationCapPerInbox) }

func testConfirmationCapPerInbox(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for _, group := range [][]string{
		{"ada@gmail.com", "a.da@gmail.com", "ada+1@googlemail.com", "A.D.A+2@gmail.com", "ada+3@gmail.com"},
		{"bob+1@example.org", "bob+2@example.org", "BOB+3@example.org", "bob+4@example.org"},
	} {
		for i, email := range group {
			res, err := db.Subscribe(ctx, signup(email, t0.Add(time.Duration(i)*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			if want := i < 3; res.Queued != want || !res.Created {
				t.Errorf("%s (signup %d to one inbox): %+v; want a new reader, queued %v", email, i+1, res, want)
			}
		}
	}
	// Outside Gmail a dot is part of the name: another inbox, its own cap.
	if res, _ := db.Subscribe(ctx, signup("b.ob@example.org", t0)); !res.Queued {
		t.Error("b.ob@example.org shares bob@example.org's cap")
	}
	// A day later the inbox may be sent one again.
	if res, _ := db.Subscribe(ctx, signup("ada+4@gmail.com", t0.Add(25*time.Hour))); !res.Queued {
		t.Error("the cap did not open again after its window")
	}
}

// The instance's hourly cap holds confirmations back, never signups.
func TestConfirmationCapPerHour(t *testing.T) { stores(t, testConfirmationCapPerHour) }

func testConfirmationCapPerHour(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	capped := func(email string, at time.Time) SignupResult {
		s := signup(email, at)
		s.MaxPerHour = 2
		res, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, email := range []string{"a@example.org", "b@example.org"} {
		if res := capped(email, t0); !res.Queued || res.Held {
			t.Fatalf("%s under the cap: %+v", email, res)
		}
	}
	res := capped("c@example.org", t0.Add(time.Minute))
	if res.Queued || !res.Held || !res.Created {
		t.Fatalf("over the hourly cap: %+v; want the reader kept and the confirmation held", res)
	}
	if sub, err := db.SubscriberByEmail(ctx, "c@example.org"); err != nil || sub.Status != "pending" {
		t.Fatalf("the held signup was not kept: %+v %v", sub, err)
	}
	if res := capped("c@example.org", t0.Add(61*time.Minute)); !res.Queued {
		t.Fatalf("an hour later, signing up again: %+v; want the confirmation queued", res)
	}
}

// Signing up costs the same work whatever the address's state: the same
// statements, in the same order, for a new address, a pending, active,
// unsubscribed or bounced reader, and an erased address. So the time a
// signup takes cannot tell who is subscribed.
func TestSignupWorkIsTheSameForEveryAddress(t *testing.T) {
	stores(t, testSignupWorkIsTheSameForEveryAddress)
}

func testSignupWorkIsTheSameForEveryAddress(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	activeID := active(t, db, "active@example.org", t0)
	left := active(t, db, "left@example.org", t0)
	if _, err := db.Unsubscribe(ctx, left, 0, "link", t0); err != nil {
		t.Fatal(err)
	}
	bounced := active(t, db, "bounced@example.org", t0)
	if err := db.MarkBounced(ctx, bounced, "550", t0); err != nil {
		t.Fatal(err)
	}
	erased := active(t, db, "erased@example.org", t0)
	if err := db.Erase(ctx, erased, t0); err != nil {
		t.Fatal(err)
	}
	var ran []string
	db.traceStmt = func(q string) { ran = append(ran, q) }
	defer func() { db.traceStmt = nil }()
	for _, email := range []string{"new@example.org", "new@example.org", "active@example.org", "left@example.org",
		"bounced@example.org", "erased@example.org"} {
		ran = nil
		res, err := db.Subscribe(ctx, signup(email, t0.Add(time.Hour)))
		if err != nil {
			t.Fatal(err)
		}
		if want := db.signupPath(); !slices.Equal(ran, want) {
			t.Errorf("%s (%+v) ran %d statements:\n%q\nwant the same %d as every signup", email, res, len(ran), ran, len(want))
		}
	}
	evs, _ := db.Events(ctx, activeID)
	if last := evs[len(evs)-1]; last.Kind != "signup" || last.Detail != SignupAgain {
		t.Errorf("an active reader's signup wrote no row: last event %+v", last)
	}
	if sub, _ := db.Subscriber(ctx, activeID); sub.Status != "active" || sub.Name != "Sam" {
		t.Errorf("an active reader was changed by a signup: %+v", sub)
	}
}

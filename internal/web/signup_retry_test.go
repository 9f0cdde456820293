package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// A form sent faster than DRIP_MIN_FORM_TIME (a browser's autofill), or
// from a tab left open over a day, comes back filled in, asking to try
// again; sent again, it is kept. The honeypot stays a silent drop.
func TestSignupTooFastShowsTheFormAgain(t *testing.T) {
	for name, wait := range map[string]time.Duration{"too fast": 500 * time.Millisecond, "over a day old": 25 * time.Hour} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			form := f.form("sam@example.com", wait)
			res, page := f.do("POST", "/subscribe", form)
			if res.StatusCode != 200 || f.status("sam@example.com") != "" {
				t.Fatalf("status %d, reader %q; want 200 and nothing kept yet", res.StatusCode, f.status("sam@example.com"))
			}
			for _, want := range []string{"Please try again", `role="alert"`, `value="sam@example.com"`, `value="Sam"`, `value="Europe/Paris"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the page asking to try again lacks %s", want)
				}
			}
			if strings.Contains(page, "Check your inbox") {
				t.Error("the page says to check the inbox, though nothing was sent")
			}
			m := started.FindStringSubmatch(page)
			if m == nil {
				t.Fatal("the form came back without a start stamp")
			}
			f.clock.Advance(5 * time.Second)
			form.Set("started", m[1])
			if res, page := f.do("POST", "/subscribe", form); res.StatusCode != 200 || !strings.Contains(page, "Check your inbox") ||
				f.status("sam@example.com") != drip.StatusPending {
				t.Fatalf("sent again: %d, reader %q", res.StatusCode, f.status("sam@example.com"))
			}
		})
	}
	f := newFixture(t)
	honey := f.form("bot@example.com", 500*time.Millisecond)
	honey.Set("website", "http://spam.example")
	if res, page := f.do("POST", "/subscribe", honey); res.StatusCode != 200 || !strings.Contains(page, "Check your inbox") || f.status("bot@example.com") != "" {
		t.Fatal("a honeypot hit should still be dropped silently")
	}
}

// A look-alike address typed into the form is another reader: the real
// reader's record, name and status are untouched.
func TestSignupLookalikeIsAnotherReader(t *testing.T) {
	f := newFixture(t)
	real, _ := f.reader("ivan@example.com")
	form := f.form("\u0130van@example.com", 5*time.Second)
	form.Set("name", "Mallory")
	if res, _ := f.do("POST", "/subscribe", form); res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	ctx := context.Background()
	sub, _ := f.db.Subscriber(ctx, real)
	if sub.Email != "ivan@example.com" || sub.Name == "Mallory" || sub.Status != drip.StatusActive {
		t.Fatalf("the real reader was taken over: %+v", sub)
	}
	fake, err := f.db.SubscriberByEmail(ctx, "\u0130van@example.com")
	if err != nil || fake.ID == real || fake.Status != drip.StatusPending {
		t.Fatalf("the look-alike: %+v, %v; want a pending reader of its own", fake, err)
	}
}

// Addresses are checked and kept in one form: a domain IDNA refuses is
// refused, and one a look-alike letter spells is kept as DNS names it.
func TestParseSignupDomains(t *testing.T) {
	if f, problem := ParseSignup("a@ex_ample.com", "", ""); problem == "" {
		t.Errorf("a@ex_ample.com accepted as %q", f.Email)
	}
	if f, problem := ParseSignup("Ada@\u212Aexample.com", "", ""); problem != "" || f.Email != "Ada@kexample.com" {
		t.Errorf("KELVIN SIGN domain: %q, %q; want Ada@kexample.com", f.Email, problem)
	}
}

// Over the instance's hourly cap the form answers as ever and the signup
// is kept, but no confirmation is queued.
func TestSignupOverTheHourlyCap(t *testing.T) {
	f := newFixture(t)
	f.srv.MaxConfirmationsPerHour = 1
	for _, email := range []string{"one@example.com", "two@example.com"} {
		if res, page := f.do("POST", "/subscribe", f.form(email, 5*time.Second)); res.StatusCode != 200 || !strings.Contains(page, "Check your inbox") {
			t.Fatalf("%s: %d", email, res.StatusCode)
		}
	}
	if f.status("two@example.com") != drip.StatusPending {
		t.Fatal("the signup over the cap was not kept")
	}
	jobs, err := f.db.ClaimConfirmations(context.Background(), f.clock.Now(), time.Minute, 10, func(id int64) string { return fmt.Sprintf("c%d@example.test", id) })
	if err != nil || len(jobs) != 1 || jobs[0].Subscriber.Email != "one@example.com" {
		t.Fatalf("confirmations queued: %d (%v); want one@example.com's alone", len(jobs), err)
	}
}

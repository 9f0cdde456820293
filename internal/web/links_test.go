package web

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// reader makes an active reader with one sent lesson and returns the
// reader's and the delivery's IDs.
func (f *fixture) reader(email string) (sub, del int64) {
	f.t.Helper()
	ctx, now := context.Background(), f.clock.Now()
	res, err := f.db.Subscribe(ctx, store.Signup{Email: email, At: now, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.db.Confirm(ctx, res.SubscriberID, "rebuilding-trust", now, now); err != nil {
		f.t.Fatal(err)
	}
	jobs, err := f.db.ClaimDue(ctx, now, time.Minute, 100, func(d store.Due) store.Pick {
		return store.Pick{Slug: "welcome", MessageID: fmt.Sprintf("m%d@example.test", d.Enrollment.ID)}
	})
	if err != nil || len(jobs) != 1 {
		f.t.Fatalf("claim: %d jobs, %v", len(jobs), err)
	}
	j := jobs[0]
	err = f.db.Record(ctx, store.Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
		Slug: "welcome", Result: drip.DeliverySent, At: now.Add(-time.Hour), NextDue: now.Add(24 * time.Hour)})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.SubscriberID, j.DeliveryID
}

// state is everything a link could change for a reader.
func (f *fixture) state(sub int64) string {
	ctx := context.Background()
	s, _ := f.db.Subscriber(ctx, sub)
	e, _ := f.db.Enrollment(ctx, sub, "rebuilding-trust")
	evs, _ := f.db.Events(ctx, sub)
	return fmt.Sprintf("%s %s %d %d", s.Status, e.Status, e.NextDueAt.Unix(), len(evs))
}

// bad token makers: each turns a good token into one that must be refused.
func tampered(tok string) string {
	b, _ := base64.RawURLEncoding.DecodeString(tok)
	b[len(b)-1] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(b)
}

func otherReader(tok string, other int64) string {
	b, _ := base64.RawURLEncoding.DecodeString(tok)
	b[1] = byte(other) // IDs here are below 128: one varint byte
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestSignedLinksRefuseForgeries(t *testing.T) {
	routes := []struct {
		purpose token.Purpose
		method  string
		path    string
	}{
		{token.Confirm, "POST", links.PathConfirm},
		{token.Unsubscribe, "POST", links.PathUnsubscribe},
		{token.Resubscribe, "POST", links.PathResubscribe},
		{token.Click, "GET", links.PathClick},
		{token.View, "GET", links.PathView},
		{token.Next, "POST", links.PathNext},
		{token.Pause, "POST", links.PathPause},
		{token.Open, "GET", links.PathOpen},
	}
	for _, rt := range routes {
		t.Run(rt.purpose.String(), func(t *testing.T) {
			f := newFixture(t)
			a, delA := f.reader("a@example.com")
			b, _ := f.reader("b@example.com")
			now := f.clock.Now()
			sign := func(p token.Purpose, sub, del int64, exp time.Time) string {
				return f.srv.Links.Signer().Sign(token.Claims{Purpose: p, Subscriber: sub, Delivery: del, Expires: exp, Data: "https://example.org/"})
			}
			good := sign(rt.purpose, a, delA, now.Add(time.Hour))
			wrong := token.Open
			if rt.purpose == token.Open {
				wrong = token.Unsubscribe
			}
			bad := map[string]string{
				"tampered":      tampered(good),
				"truncated":     good[:len(good)-5],
				"expired":       sign(rt.purpose, a, delA, now.Add(-time.Second)),
				"wrong purpose": sign(wrong, a, delA, now.Add(time.Hour)),
				"other reader":  otherReader(good, b),
				"garbage":       "not-a-token",
			}
			before := f.state(a) + f.state(b)
			for name, tok := range bad {
				res, body := f.do(rt.method, rt.path+"/"+tok, nil)
				if rt.purpose == token.Open {
					if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/gif" || res.Header.Get("Cache-Control") == "" {
						t.Errorf("%s: the pixel must always answer a no-store GIF, got %d %q", name, res.StatusCode, res.Header.Get("Content-Type"))
					}
				} else if res.StatusCode < 400 || res.StatusCode > 499 || !strings.Contains(body, "<html") {
					t.Errorf("%s: status %d, want a 4xx page", name, res.StatusCode)
				}
				if after := f.state(a) + f.state(b); after != before {
					t.Fatalf("%s: state changed from %q to %q", name, before, after)
				}
			}
		})
	}
}

func TestTrackingDeliveryOfAnotherReader(t *testing.T) {
	f := newFixture(t)
	a, _ := f.reader("a@example.com")
	b, delB := f.reader("b@example.com")
	// Validly signed for reader a, but naming b's delivery: nothing recorded.
	f.clock.Advance(time.Hour)
	tok := f.srv.Links.Signer().Sign(token.Claims{Purpose: token.Open, Subscriber: a, Delivery: delB, Expires: f.clock.Now().Add(time.Hour)})
	before := f.state(a) + f.state(b)
	f.do("GET", links.PathOpen+"/"+tok, nil)
	if after := f.state(a) + f.state(b); after != before {
		t.Fatalf("an open was recorded against another reader's delivery: %q -> %q", before, after)
	}
}

func TestUnsubscribeFlow(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	path := f.srv.Links.Path(token.Unsubscribe, a, del, f.clock.Now())
	if res, page := f.do("GET", path, nil); res.StatusCode != 200 || !strings.Contains(page, `method="post"`) {
		t.Fatalf("GET: %d", res.StatusCode)
	}
	if f.status("a@example.com") != drip.StatusActive {
		t.Fatal("GET on the unsubscribe link changed the reader")
	}
	var undo []string
	for i := range 2 {
		res, page := f.do("POST", path, nil)
		if res.StatusCode != 200 || f.status("a@example.com") != drip.StatusUnsubscribed {
			t.Fatalf("POST %d: status %d, reader %s", i+1, res.StatusCode, f.status("a@example.com"))
		}
		if i == 0 {
			if undo = undoAction.FindStringSubmatch(page); undo == nil {
				t.Fatal("no undo button on the unsubscribed page")
			}
		} else if undoAction.MatchString(page) {
			t.Fatal("a repeated unsubscribe offered an undo of its own")
		}
	}
	if res, _ := f.do("POST", undo[1], nil); res.StatusCode != 200 || f.status("a@example.com") != drip.StatusActive {
		t.Fatalf("undo: %d, reader %s", res.StatusCode, f.status("a@example.com"))
	}
	evs, _ := f.db.Events(context.Background(), a)
	var attributed bool
	for _, e := range evs {
		attributed = attributed || (e.Kind == drip.EventUnsubscribe && e.DeliveryID == del)
	}
	if !attributed {
		t.Fatal("the unsubscribe was not attributed to the lesson whose link was used")
	}
}

func TestClickRedirectsOnlyToSignedDestination(t *testing.T) {
	f := newFixture(t)
	a, del := f.reader("a@example.com")
	u := f.srv.Links.Click(a, del, "https://example.org/read?x=1", f.clock.Now())
	path := strings.TrimPrefix(u, f.srv.Links.Base())
	res, _ := f.do("GET", path, nil)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "https://example.org/read?x=1" {
		t.Fatalf("click: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := f.do("GET", path+"?to=https://evil.example", nil); res.Header.Get("Location") != "https://example.org/read?x=1" {
		t.Fatal("a query parameter changed the destination")
	}
}

var undoAction = regexp.MustCompile(`action="(/resubscribe/[^"]+)"`)

func TestConfirmLinkLastsSevenDays(t *testing.T) {
	f := newFixture(t)
	res, _ := f.do("POST", "/subscribe", f.form("late@example.com", 5*time.Second))
	if res.StatusCode != 200 {
		t.Fatal(res.StatusCode)
	}
	sub, _ := f.db.SubscriberByEmail(context.Background(), "late@example.com")
	path := f.srv.Links.Path(token.Confirm, sub.ID, 0, f.clock.Now())
	f.clock.Advance(7*24*time.Hour - time.Minute)
	if res, _ := f.do("GET", path, nil); res.StatusCode != 200 {
		t.Fatalf("a day-6 confirm link: %d", res.StatusCode)
	}
	f.clock.Advance(2 * time.Minute)
	if res, _ := f.do("POST", path, nil); res.StatusCode != http.StatusGone || f.status("late@example.com") != drip.StatusPending {
		t.Fatalf("an 8-day-old confirm link: %d, reader %s; want 410 and nothing confirmed", res.StatusCode, f.status("late@example.com"))
	}
}

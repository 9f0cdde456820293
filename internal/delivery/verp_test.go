package delivery_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// TestVERPEnvelopeSender: with a bounce domain, each lesson and each
// confirmation goes out over SMTP with MAIL FROM b+TOKEN@domain, whose
// token names exactly that message's row; the From header stays the
// sender's.
func TestVERPEnvelopeSender(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	f.runner.Composer.BounceDomain = "bounces.example.test"
	signer := f.runner.Composer.Links.Signer()
	sub := f.reader(addr(1))
	ctx := context.Background()
	if _, err := f.db.Subscribe(ctx, store.Signup{Email: "pending@example.com", Timezone: "UTC", At: f.clock.Now(), MaxConfirmations: 3, ConfirmWindow: time.Hour}); err != nil {
		t.Fatal(err)
	}
	f.pass()
	msgs := f.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want a lesson and a confirmation", len(msgs))
	}
	seen := map[token.BounceKind]int64{}
	for _, m := range msgs {
		local, domain, ok := strings.Cut(m.From, "@")
		if !ok || domain != "bounces.example.test" {
			t.Fatalf("MAIL FROM %q is not on the bounce domain", m.From)
		}
		ref, err := signer.ParseBounceLocalPart(local)
		if err != nil {
			t.Fatalf("MAIL FROM %q: %v", m.From, err)
		}
		seen[ref.Kind] = ref.ID
		if from := m.Header().Get("From"); !strings.Contains(from, "<c@example.test>") {
			t.Errorf("From header %q", from)
		}
	}
	if d := f.only(sub); seen[token.BounceLesson] != d.ID {
		t.Errorf("lesson's token names delivery %d, want %d", seen[token.BounceLesson], d.ID)
	}
	if seen[token.BounceConfirmation] < 1 {
		t.Errorf("the confirmation's token names no confirmation: %v", seen)
	}
}

// TestNoBounceDomainKeepsFrom: without a bounce domain the envelope sender
// is the From address, as it always was.
func TestNoBounceDomainKeepsFrom(t *testing.T) {
	f := newFixture(t, threeLessons, time.Second)
	f.reader(addr(1))
	f.pass()
	for _, m := range f.smtp.Messages() {
		if m.From != "c@example.test" {
			t.Errorf("MAIL FROM %q, want c@example.test", m.From)
		}
	}
}

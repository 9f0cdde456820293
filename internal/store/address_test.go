package store

import (
	"context"
	"errors"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
)

func TestEmailKey(t *testing.T) {
	for in, want := range map[string]string{
		"Ada@Example.COM":              "ada@example.com",
		" ada@example.com ":            "ada@example.com",
		"ada@example.com.":             "ada@example.com",
		"\u0130van@example.com":        "\u0130van@example.com", // İ stays İ: not "ivan"
		"\u212Aate@example.com":        "\u212Aate@example.com", // KELVIN SIGN stays: not "kate"
		"Jos\u00C9@example.com":        "jos\u00C9@example.com", // only ASCII case folds
		"a@b\u00FCcher.de":             "a@xn--bcher-kva.de",
		"a@B\u00DCCHER.DE":             "a@xn--bcher-kva.de",
		"A@XN--BCHER-KVA.de":           "a@xn--bcher-kva.de",
		"a@\u212Aexample.com":          "a@kexample.com", // DNS maps it so: one domain
		"a@\uFF45xample.com":           "a@example.com",  // a full-width letter, likewise
		"a@\u0130stanbul.example":      "a@xn--istanbul-o0e.example",
		"Search Text":                  "search text", // not an address: ASCII case only
		"\u0130VAN":                    "\u0130van",
		"not-idna@ex_ample.com":        "not-idna@ex_ample.com",
		"x@\u0130STANBUL.example.Org.": "x@xn--istanbul-o0e.example.org",
	} {
		if got := EmailKey(in); got != want {
			t.Errorf("EmailKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalEmail(t *testing.T) {
	for in, want := range map[string]string{
		"Ada@Example.COM":       "Ada@Example.COM",
		"ada@example.com.":      "ada@example.com",
		"a@B\u00DCCHER.de":      "a@b\u00FCcher.de",
		"a@\u212Aexample.com":   "a@kexample.com",
		"\u0130van@example.Com": "\u0130van@example.Com",
	} {
		if got, err := CanonicalEmail(in); err != nil || got != want {
			t.Errorf("CanonicalEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"a@ex_ample.com", "a@example..com", "a@-example.com", "no-at-sign", "a@"} {
		if got, err := CanonicalEmail(bad); !errors.Is(err, drip.ErrInvalid) {
			t.Errorf("CanonicalEmail(%q) = %q, %v; want refused", bad, got, err)
		}
	}
}

func TestMailboxKey(t *testing.T) {
	for in, want := range map[string]string{
		"ada@example.org":         "ada@example.org",
		"Ada+News@Example.org":    "ada@example.org",
		"ada+a+b@example.org":     "ada@example.org",
		"a.da@example.org":        "a.da@example.org", // dots are letters outside Gmail
		"a.d.a+x@gmail.com":       "ada@gmail.com",
		"A.DA@googlemail.com":     "ada@gmail.com",
		"+ada@example.org":        "+ada@example.org", // a local part that is all tag keeps it
		"\u0130van+x@example.org": "\u0130van@example.org",
	} {
		if got := MailboxKey(in); got != want {
			t.Errorf("MailboxKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// A look-alike address (U+0130 for "I", U+212A for "K") is another
// reader: signing it up neither finds nor changes the real one's record,
// and its confirmation is its own.
func TestLookalikeSignupIsAnotherReader(t *testing.T) { stores(t, testLookalikeSignupIsAnotherReader) }

func testLookalikeSignupIsAnotherReader(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	for real, fake := range map[string]string{"ivan@example.com": "\u0130van@example.com", "kate@example.com": "\u212Aate@example.com"} {
		id := active(t, db, real, t0)
		s := signup(fake, t0)
		s.Name = "Mallory"
		res, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if res.SubscriberID == id || !res.Created || !res.Queued {
			t.Fatalf("%s: %+v; want a new reader with its own confirmation, not reader %d", fake, res, id)
		}
		got, _ := db.Subscriber(ctx, id)
		if got.Email != real || got.Name != "Sam" || got.Status != drip.StatusActive {
			t.Fatalf("the real reader changed: %+v", got)
		}
		if byFake, _ := db.SubscriberByEmail(ctx, fake); byFake.ID != res.SubscriberID || byFake.Email != fake {
			t.Fatalf("looking up %q found %+v", fake, byFake)
		}
	}
}

// A bounce, or an erasure, of a look-alike leaves the real address free
// to sign up and be mailed.
func TestLookalikeSuppressionIsItsOwn(t *testing.T) { stores(t, testLookalikeSuppressionIsItsOwn) }

func testLookalikeSuppressionIsItsOwn(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	bounced, err := db.Subscribe(ctx, signup("\u0130van@example.com", t0))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.MarkBounced(ctx, bounced.SubscriberID, "550 no such user", t0); err != nil {
		t.Fatal(err)
	}
	erased, err := db.Subscribe(ctx, signup("\u212Aate@example.com", t0))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Erase(ctx, erased.SubscriberID, t0); err != nil {
		t.Fatal(err)
	}
	for _, real := range []string{"ivan@example.com", "kate@example.com"} {
		if sup, _ := db.Suppressed(ctx, real); sup {
			t.Errorf("%s is suppressed by its look-alike", real)
		}
		res, err := db.Subscribe(ctx, signup(real, t0))
		if err != nil || res.Suppressed || !res.Created || !res.Queued {
			t.Errorf("%s after its look-alike was suppressed: %+v, %v; want a new reader and a confirmation", real, res, err)
		}
	}
	if res, _ := db.Subscribe(ctx, signup("\u212Aate@example.com", t0)); !res.Suppressed {
		t.Error("the erased look-alike itself is no longer suppressed")
	}
}

// Every spelling of one domain is one reader.
func TestDomainSpellingsAreOneReader(t *testing.T) { stores(t, testDomainSpellingsAreOneReader) }

func testDomainSpellingsAreOneReader(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	first, err := db.Subscribe(ctx, signup("ada@B\u00DCCHER.de", t0))
	if err != nil {
		t.Fatal(err)
	}
	for _, spelling := range []string{"ada@b\u00FCcher.de", "ADA@xn--bcher-kva.de", "ada@b\u00FCcher.de."} {
		res, err := db.Subscribe(ctx, signup(spelling, t0))
		if err != nil || res.Created || res.SubscriberID != first.SubscriberID {
			t.Errorf("%s: %+v, %v; want reader %d", spelling, res, err, first.SubscriberID)
		}
	}
	if sub, _ := db.Subscriber(ctx, first.SubscriberID); sub.Email != "ada@b\u00FCcher.de" {
		t.Errorf("stored address %q, want the domain in its one Unicode form", sub.Email)
	}
}

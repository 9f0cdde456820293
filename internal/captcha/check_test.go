package captcha

import (
	"context"
	"errors"
	"testing"
)

// Check accepts a solution without spending it, so the caller can spend it
// with what it pays for; Verify then still accepts it once.
func TestCheckDoesNotSpend(t *testing.T) {
	f := newFixture(t, 1000)
	c := f.is.Challenge()
	payload, err := Solve(c)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		sol, err := f.is.Check(payload)
		if err != nil || sol.Key != c.Challenge || !sol.Until.After(start) {
			t.Fatalf("Check: %+v %v", sol, err)
		}
	}
	if f.spent.Len() != 0 {
		t.Fatalf("Check spent %d keys", f.spent.Len())
	}
	if err := f.is.Verify(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	if err := f.is.Verify(context.Background(), payload); !errors.Is(err, ErrReplayed) {
		t.Fatalf("second Verify: %v, want ErrReplayed", err)
	}
	if _, err := f.is.Check(""); !errors.Is(err, ErrMissing) {
		t.Fatalf("Check of nothing: %v", err)
	}
}

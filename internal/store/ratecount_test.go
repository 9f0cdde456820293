package store

import (
	"strings"
	"testing"
	"time"
)

// TestRateCounterShared counts from two instances and reads from either:
// the counts are one, per key and per window.
func TestRateCounterShared(t *testing.T) {
	stores(t, testRateCounterShared)
}

func testRateCounterShared(t *testing.T) {
	dbs := openInstances(t, testTarget(t), 2)
	a, b := dbs[0].RateCounter(), dbs[1].RateCounter()
	cur, prev := t0, t0.Add(-time.Minute)
	must(t, a.IncrementBy("signup 192.0.2.1", prev, 4))
	must(t, a.Increment("signup 192.0.2.1", cur))
	must(t, b.Increment("signup 192.0.2.1", cur))
	must(t, b.IncrementBy("signup 192.0.2.2", cur, 7))
	for _, c := range []*RateCounter{a, b} {
		n, p, err := c.Get("signup 192.0.2.1", cur, prev)
		if err != nil || n != 2 || p != 4 {
			t.Fatalf("counts %d (previous %d), %v; want 2 (previous 4)", n, p, err)
		}
	}
	if n, p, _ := a.Get("signup 192.0.2.3", cur, prev); n != 0 || p != 0 {
		t.Fatalf("an unseen key has counts %d, %d", n, p)
	}
}

// TestRateCounterHostileKeys counts under keys PostgreSQL would refuse or
// that are too long to keep; each must count on its own.
func TestRateCounterHostileKeys(t *testing.T) {
	stores(t, testRateCounterHostileKeys)
}

func testRateCounterHostileKeys(t *testing.T) {
	c := open(t).RateCounter()
	long := strings.Repeat("a", 5000)
	keys := []string{long + "1", long + "2", "nul\x00byte", "bad \xff utf-8", "sha256:looks-hashed", "plain"}
	for i, k := range keys {
		must(t, c.IncrementBy(k, t0, i+1))
	}
	for i, k := range keys {
		if n, _, err := c.Get(k, t0, t0.Add(-time.Minute)); err != nil || n != i+1 {
			t.Errorf("key %.20q: count %d, %v; want %d", k, n, err, i+1)
		}
	}
	for _, k := range keys[:5] {
		if s := rateKey(k); len(s) > maxRateKey || !strings.HasPrefix(s, hashedKeyMark) {
			t.Errorf("key %.20q stored as %q, want a short hash", k, s)
		}
	}
	if rateKey("plain") != "plain" {
		t.Error("a plain key was not stored as it is")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

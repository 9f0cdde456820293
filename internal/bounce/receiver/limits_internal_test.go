package receiver

import (
	"fmt"
	"net"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	tests := []struct {
		addr    string
		key, ip string
	}{
		{"192.0.2.7:25", "192.0.2.7", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:25", "192.0.2.7", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:25", "2001:db8:1:2::/64", "2001:db8:1:2:aaaa::1"},
		{"[2001:db8:1:2:bbbb::9]:25", "2001:db8:1:2::/64", "2001:db8:1:2:bbbb::9"},
		{"[2001:db8:1:3::1]:25", "2001:db8:1:3::/64", "2001:db8:1:3::1"},
		{"[fe80::1%eth0]:25", "fe80::/64", "fe80::1"},
	}
	for _, tt := range tests {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if key, ip := clientKey(a); key != tt.key || ip != tt.ip {
			t.Errorf("clientKey(%s) = %q, %q; want %q, %q", tt.addr, key, ip, tt.key, tt.ip)
		}
	}
}

func TestRateLimiterForgetsFullBuckets(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	r := newRateLimiter(2)
	for i := range minSweep {
		r.allow(fmt.Sprint("client", i), now)
	}
	if !r.allow("client0", now) || r.allow("client0", now) {
		t.Fatal("client0 should have one message left of its two, then none")
	}
	// A minute on every bucket is full again: the next new client sweeps
	// them all away, and client0 starts afresh.
	later := now.Add(time.Minute)
	r.allow("newcomer", later)
	if n := len(r.clients); n != 1 {
		t.Fatalf("after the sweep %d clients are remembered, want 1", n)
	}
	if !r.allow("client0", later) || !r.allow("client0", later) || r.allow("client0", later) {
		t.Fatal("client0 should have two messages again, then none")
	}
}

func TestGateCounts(t *testing.T) {
	g := newGate(3, 2)
	for _, want := range []string{"", "", "4.7.0"} {
		if got := g.enter("a"); len(got) < len(want) || got[:len(want)] != want {
			t.Fatalf("enter(a) = %q, want %q", got, want)
		}
	}
	if got := g.enter("b"); got != "" {
		t.Fatalf("enter(b) = %q, want admitted", got)
	}
	if got := g.enter("c"); got[:5] != "4.3.2" {
		t.Fatalf("enter(c) at the session cap = %q, want 4.3.2", got)
	}
	g.leave("a")
	g.leave("a")
	if got := g.enter("c"); got != "" || len(g.perClient) != 2 {
		t.Fatalf("after a left: enter(c) = %q with %d clients counted; want admitted, 2", got, len(g.perClient))
	}
}

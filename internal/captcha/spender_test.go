package captcha

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/clock"
)

func TestMemorySpenderRefusesASecondSpend(t *testing.T) {
	c := clock.NewFake(start)
	m := NewMemorySpender(10, c.Now)
	ctx := context.Background()
	if fresh, err := m.Spend(ctx, "a", start.Add(time.Minute)); !fresh || err != nil {
		t.Fatalf("first spend: %v %v", fresh, err)
	}
	if fresh, _ := m.Spend(ctx, "a", start.Add(time.Minute)); fresh {
		t.Fatal("a key was spent twice")
	}
	if fresh, _ := m.Spend(ctx, "b", start.Add(time.Minute)); !fresh {
		t.Fatal("another key was refused")
	}
}

// Keys are forgotten at their expiry, when Verify refuses them anyway.
func TestMemorySpenderForgetsAtExpiry(t *testing.T) {
	c := clock.NewFake(start)
	m := NewMemorySpender(10, c.Now)
	ctx := context.Background()
	m.Spend(ctx, "early", start.Add(time.Minute))
	m.Spend(ctx, "late", start.Add(time.Hour))
	c.Advance(time.Minute)
	m.Spend(ctx, "x", start.Add(time.Hour))
	if m.Len() != 2 {
		t.Fatalf("%d keys held after the first expired, want 2", m.Len())
	}
	if fresh, _ := m.Spend(ctx, "late", start.Add(time.Hour)); fresh {
		t.Fatal("a key not yet expired was forgotten")
	}
}

// At capacity the key that expires soonest goes; the others stay spent.
func TestMemorySpenderIsBounded(t *testing.T) {
	c := clock.NewFake(start)
	m := NewMemorySpender(100, c.Now)
	ctx := context.Background()
	for i := range 1000 {
		m.Spend(ctx, fmt.Sprint(i), start.Add(time.Hour+time.Duration(i)*time.Second))
	}
	if m.Len() != 100 {
		t.Fatalf("%d keys held, capacity 100", m.Len())
	}
	if fresh, _ := m.Spend(ctx, "999", start.Add(2*time.Hour)); fresh {
		t.Error("the latest key was evicted")
	}
	if fresh, _ := m.Spend(ctx, "0", start.Add(2*time.Hour)); !fresh {
		t.Error("the soonest-expiring key was kept past capacity")
	}
}

package intake_test

import (
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce/intake"
	"github.com/dripcourse/dripcourse/internal/store"
)

// TestAssess: rates are fractions of the messages sent; a threshold is
// crossed at its rate, and only over MinSent messages.
func TestAssess(t *testing.T) {
	cases := []struct {
		w       store.BounceWindow
		crossed []string
	}{
		{store.BounceWindow{Sent: 1000, Hard: 49, Complaints: 0}, nil},
		{store.BounceWindow{Sent: 1000, Hard: 50, Complaints: 1}, []string{"hard 0.05", "complaint 0.001"}},
		{store.BounceWindow{Sent: 1000, Hard: 0, Complaints: 3}, []string{"complaint 0.001", "complaint 0.003"}},
		{store.BounceWindow{Sent: 99, Hard: 50, Complaints: 50}, nil},
		{store.BounceWindow{}, nil},
	}
	for _, c := range cases {
		h := intake.Assess(c.w)
		var got []string
		for _, th := range h.Crossed {
			got = append(got, th.Kind+" "+fmtRate(th.Rate))
		}
		if len(got) != len(c.crossed) || (len(got) > 0 && got[len(got)-1] != c.crossed[len(c.crossed)-1]) {
			t.Errorf("%+v: crossed %v, want %v", c.w, got, c.crossed)
		}
	}
	if h := intake.Assess(store.BounceWindow{Sent: 200, Hard: 10, Soft: 4, Complaints: 1}); h.HardRate != 0.05 || h.SoftRate != 0.02 || h.ComplaintRate != 0.005 {
		t.Errorf("rates %+v", h)
	}
}

func fmtRate(r float64) string {
	return map[float64]string{0.05: "0.05", 0.001: "0.001", 0.003: "0.003"}[r]
}

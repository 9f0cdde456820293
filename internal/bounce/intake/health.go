package intake

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// Window is how far back the rates are counted: the messages sent in the
// last 7 days, and the reports received in them. Providers judge a sender
// over a similar span (Amazon SES over a representative volume, Gmail's
// Postmaster Tools by the day), and a week lets a small list's rates
// settle.
const Window = 7 * 24 * time.Hour

// MinSent is the least number of messages sent in the window for a rate
// to be warned about: below it one report moves a rate by a whole percent
// or more. The rates are shown whatever the volume.
const MinSent = 100

// Threshold is a rate that mail providers act on.
type Threshold struct {
	// Kind is the rate it applies to: "hard" (hard bounces, as Amazon
	// SES counts its bounce rate) or "complaint".
	Kind string
	Rate float64
	// Why says who enforces it and what they do.
	Why string
}

// Thresholds are the rates providers enforce, lowest first per kind.
var Thresholds = []Threshold{
	{"hard", 0.05, "Amazon SES puts an account under review at a 5% bounce rate and pauses it at 10%; other providers throttle sooner"},
	{"complaint", 0.001, "Amazon SES puts an account under review at 0.1% complaints, and Gmail asks senders to stay under it"},
	{"complaint", 0.003, "Gmail and Yahoo reject a bulk sender's mail above 0.3% complaints"},
}

// Health is the window's counts, their rates as fractions of the messages
// sent, and the thresholds they cross.
type Health struct {
	store.BounceWindow
	HardRate      float64 `json:"hard_rate"`
	SoftRate      float64 `json:"soft_rate"`
	ComplaintRate float64 `json:"complaint_rate"`
	// Enough says the window holds MinSent messages or more: only then
	// are crossings warned about.
	Enough  bool        `json:"enough"`
	Crossed []Threshold `json:"crossed"`
}

// Assess computes the rates of w and the thresholds they cross.
func Assess(w store.BounceWindow) Health {
	h := Health{BounceWindow: w, Enough: w.Sent >= MinSent, Crossed: []Threshold{}}
	if w.Sent > 0 {
		h.HardRate = float64(w.Hard) / float64(w.Sent)
		h.SoftRate = float64(w.Soft) / float64(w.Sent)
		h.ComplaintRate = float64(w.Complaints) / float64(w.Sent)
	}
	for _, t := range Thresholds {
		if r := h.Rate(t.Kind); h.Enough && r >= t.Rate {
			h.Crossed = append(h.Crossed, t)
		}
	}
	return h
}

// Rate is the rate of kind ("hard", "soft" or "complaint").
func (h Health) Rate(kind string) float64 {
	return map[string]float64{"hard": h.HardRate, "soft": h.SoftRate, "complaint": h.ComplaintRate}[kind]
}

// Rates are the window's rates by kind, for the metrics.
func (h Health) Rates() map[string]float64 {
	return map[string]float64{"hard": h.HardRate, "soft": h.SoftRate, "complaint": h.ComplaintRate}
}

// Health reads the window ending now.
func (in *Intake) Health(ctx context.Context) (Health, error) {
	w, err := in.cfg.DB.BounceWindowSince(ctx, in.cfg.Now().Add(-Window))
	if err != nil {
		return Health{}, fmt.Errorf("intake: health: %w", err)
	}
	return Assess(w), nil
}

// health paces the checks that follow new reports.
type health struct {
	mu   sync.Mutex
	last time.Time
}

// checkEvery bounds how often new reports have the window counted; a
// crossing is logged at most once an hour per threshold.
const checkEvery = time.Minute

// checkHealth is CheckHealth at most once every checkEvery, for the
// reports as they come.
func (in *Intake) checkHealth(ctx context.Context) {
	now := in.cfg.Now()
	in.health.mu.Lock()
	due := now.Sub(in.health.last) >= checkEvery || in.health.last.IsZero()
	if due {
		in.health.last = now
	}
	in.health.mu.Unlock()
	if due {
		in.CheckHealth(ctx)
	}
}

// CheckHealth logs a warning for each threshold the window crosses, at
// most once an hour each. New reports have it run by themselves at most
// once a minute; serve runs it every minute too, and the bounce command
// once it has recorded its reports, so that the last report of a burst
// is weighed.
func (in *Intake) CheckHealth(ctx context.Context) {
	now := in.cfg.Now()
	h, err := in.Health(ctx)
	if err != nil {
		in.cfg.Log.Warn("bounce rates not checked", "err", err)
		return
	}
	for _, t := range h.Crossed {
		key := fmt.Sprintf("threshold %s %g", t.Kind, t.Rate)
		if ok, _ := in.logs.dueEvery(key, now, time.Hour); ok {
			in.cfg.Log.Warn(fmt.Sprintf("the %s rate over the last 7 days is %.2f%%, at or above %.1f%%: stop and find out why", kindWords[t.Kind],
				100*h.Rate(t.Kind), 100*t.Rate), "why", t.Why, "sent", h.Sent, t.Kind, count(h, t.Kind))
		}
	}
}

var kindWords = map[string]string{"hard": "hard bounce", "complaint": "complaint"}

func count(h Health, kind string) int {
	if kind == "hard" {
		return h.Hard
	}
	return h.Complaints
}

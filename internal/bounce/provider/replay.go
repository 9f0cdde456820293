package provider

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Replays remembers the one-use values (Mailgun's token, a generic
// request's signature) of signed requests, so that a captured request
// sent again inside its freshness window is refused. Replays are harmless
// to the record, since every report carries its event id and the store
// counts each once; this is a second line.
type Replays interface {
	// Use records key until expires and reports whether it was new.
	Use(key string, expires time.Time) bool
	// Forget drops key, for a request whose reports were not recorded,
	// so that the provider's retry of it is not refused.
	Forget(key string)
}

// MemoryReplays is a Replays held in memory, for one instance. With
// several instances each keeps its own; the store's idempotency still
// counts a replayed event once.
type MemoryReplays struct {
	mu   sync.Mutex
	now  func() time.Time
	max  int
	keys map[string]time.Time
}

// NewMemoryReplays returns an empty MemoryReplays holding at most max
// live keys (10,000 when max is zero or less); now is the clock (nil:
// time.Now).
func NewMemoryReplays(now func() time.Time, max int) *MemoryReplays {
	if max <= 0 {
		max = 10000
	}
	return &MemoryReplays{now: clockOr(now), max: max, keys: map[string]time.Time{}}
}

// Use implements Replays. When the memory is full of live keys it refuses
// the new one: only a flood of validly signed requests can fill it, and
// the provider retries a refused request later.
func (m *MemoryReplays) Use(key string, expires time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if exp, ok := m.keys[key]; ok && now.Before(exp) {
		return false
	}
	if len(m.keys) >= m.max {
		m.sweep(now)
		if len(m.keys) >= m.max {
			return false
		}
	}
	m.keys[key] = expires
	return true
}

// Forget implements Replays.
func (m *MemoryReplays) Forget(key string) {
	m.mu.Lock()
	delete(m.keys, key)
	m.mu.Unlock()
}

func (m *MemoryReplays) sweep(now time.Time) {
	for k, exp := range m.keys {
		if !now.Before(exp) {
			delete(m.keys, k)
		}
	}
}

// DefaultMaxAge is how old a signed timestamp may be (and how far in the
// future) when a provider's configuration leaves MaxAge zero.
const DefaultMaxAge = 15 * time.Minute

// fresh parses a signed timestamp in Unix seconds and checks that it lies
// within maxAge of now, either way; name is the provider, for the error.
func fresh(name, stamp string, now time.Time, maxAge time.Duration) (time.Time, error) {
	sec, err := strconv.ParseInt(strings.TrimSpace(stamp), 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, fmt.Errorf("%w: %s: timestamp %q is not Unix seconds", ErrUnauthenticated, name, short(stamp, maxShort))
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	t := time.Unix(sec, 0)
	if age := now.Sub(t); age > maxAge || age < -maxAge {
		return time.Time{}, fmt.Errorf("%w: %s: timestamp %s is %s from now, more than %s", ErrUnauthenticated, name,
			t.UTC().Format(time.RFC3339), age.Round(time.Second), maxAge)
	}
	return t, nil
}

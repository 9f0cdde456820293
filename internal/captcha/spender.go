package captcha

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Spender records that a solution was used. Spend reports fresh when key
// was not spent before (and records it until the given time), or not fresh
// when it was. An error means the record could not be made; Verify then
// refuses with that error, which is none of the refusal sentinels.
//
// The key is the challenge: 64 lower-case hex digits, the same however the
// payload was encoded or its salt and number split. until is the
// challenge's expiry, after which Verify refuses the solution anyway, so a
// record may be deleted then; the salt, and so the challenge, fixes it, so
// a Spender may record the pair. A Spender shared by several instances
// (the store's, on PostgreSQL: an INSERT ... ON CONFLICT into a table whose
// primary key is the expiry and the key, fresh when a row was inserted)
// refuses replays across them.
type Spender interface {
	Spend(ctx context.Context, key string, until time.Time) (fresh bool, err error)
}

// MemorySpender is a Spender for one process. It holds at most its
// capacity of keys and forgets each at its expiry. When full it forgets the
// key that expires soonest: a replay then needs the attacker to solve and
// spend a whole capacity of challenges first, which costs far more than
// solving one.
type MemorySpender struct {
	mu       sync.Mutex
	now      func() time.Time
	capacity int
	keys     map[string]struct{}
	byExpiry expiryHeap
}

// NewMemorySpender returns a MemorySpender that holds up to capacity keys
// (at least 1) and reads the time from now (nil: time.Now).
func NewMemorySpender(capacity int, now func() time.Time) *MemorySpender {
	if now == nil {
		now = time.Now
	}
	return &MemorySpender{now: now, capacity: max(capacity, 1), keys: map[string]struct{}{}}
}

// Spend implements Spender.
func (m *MemorySpender) Spend(_ context.Context, key string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.forget(m.now())
	if _, spent := m.keys[key]; spent {
		return false, nil
	}
	for len(m.byExpiry) >= m.capacity {
		delete(m.keys, heap.Pop(&m.byExpiry).(spent).key)
	}
	m.keys[key] = struct{}{}
	heap.Push(&m.byExpiry, spent{key: key, until: until})
	return true, nil
}

// Len is how many keys are held.
func (m *MemorySpender) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// forget drops the keys whose time has passed.
func (m *MemorySpender) forget(now time.Time) {
	for len(m.byExpiry) > 0 && !now.Before(m.byExpiry[0].until) {
		delete(m.keys, heap.Pop(&m.byExpiry).(spent).key)
	}
}

// spent is one key and the time it may be forgotten.
type spent struct {
	key   string
	until time.Time
}

// expiryHeap orders spent keys soonest expiry first (container/heap).
type expiryHeap []spent

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(spent)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

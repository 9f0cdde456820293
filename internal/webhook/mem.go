package webhook

import (
	"container/heap"
	"slices"
	"sync"
	"time"
)

// MemOutbox is an Outbox in memory, for tests and benchmarks: the
// reference for what the store's implementation must do. It also stands
// in for the store's side of events and endpoints (AddEndpoint, AddEvent)
// and lets tests look inside (Attempts, State, Endpoint).
type MemOutbox struct {
	mu        sync.Mutex
	endpoints map[int64]*memEndpoint
	events    map[string]*memEvent
	rows      map[memKey]*memRow
	queues    map[int64]*memQueue // pending rows of each endpoint, by NextAt
	attempts  []Attempt
	lastID    int64
}

type memKey struct {
	event    string
	endpoint int64
}

type memEndpoint struct {
	url           string
	secret        Secret
	types         []string // nil: every type
	disabled      bool
	disabledFor   string
	failingSince  time.Time
	lastSuccessAt time.Time
}

type memEvent struct {
	typ  string
	at   time.Time
	body []byte
}

type memRow struct {
	key        memKey
	state      State
	nextAt     time.Time
	leaseUntil time.Time // zero unless claimed and not yet recorded
	attempt    int
	try        int
	since      time.Time
	index      int // in its queue; -1 when not pending
}

// NewMemOutbox returns an empty outbox.
func NewMemOutbox() *MemOutbox {
	return &MemOutbox{endpoints: map[int64]*memEndpoint{}, events: map[string]*memEvent{},
		rows: map[memKey]*memRow{}, queues: map[int64]*memQueue{}}
}

// AddEndpoint adds an active endpoint subscribed to types (all when none
// is given) and returns its id.
func (m *MemOutbox) AddEndpoint(url string, secret Secret, types ...string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lastID++
	m.endpoints[m.lastID] = &memEndpoint{url: url, secret: secret, types: types}
	m.queues[m.lastID] = &memQueue{}
	return m.lastID
}

// AddEvent records an event as the store does in the transaction of the
// change it reports: one pending delivery, due at once, for each active
// endpoint subscribed to its type. It returns the event's id.
func (m *MemOutbox) AddEvent(typ string, at time.Time, body []byte) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := NewMessageID()
	m.events[id] = &memEvent{typ: typ, at: at, body: body}
	for epID, ep := range m.endpoints {
		if !ep.disabled && (ep.types == nil || slices.Contains(ep.types, typ)) {
			m.queue(&memRow{key: memKey{id, epID}, state: Pending, nextAt: at, since: at, index: -1})
		}
	}
	return id
}

// queue makes r pending in its endpoint's queue.
func (m *MemOutbox) queue(r *memRow) {
	m.rows[r.key] = r
	if r.index < 0 {
		heap.Push(m.queues[r.key.endpoint], r)
	} else {
		heap.Fix(m.queues[r.key.endpoint], r.index)
	}
}

// Enable makes a disabled endpoint active again.
func (m *MemOutbox) Enable(endpointID int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ep := m.endpoints[endpointID]; ep != nil {
		ep.disabled, ep.disabledFor = false, ""
	}
}

// Attempts returns the attempt log, oldest first.
func (m *MemOutbox) Attempts() []Attempt {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.attempts)
}

// State returns a delivery's state, and false when there is none.
func (m *MemOutbox) State(eventID string, endpointID int64) (State, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rows[memKey{eventID, endpointID}]
	if !ok {
		return "", false
	}
	return r.state, true
}

// Endpoint reports whether an endpoint is disabled, and why.
func (m *MemOutbox) Endpoint(id int64) (disabled bool, reason string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ep := m.endpoints[id]; ep != nil {
		return ep.disabled, ep.disabledFor
	}
	return false, ""
}

// memQueue is a min-heap of pending rows by NextAt (container/heap).
type memQueue []*memRow

func (q memQueue) Len() int { return len(q) }
func (q memQueue) Less(i, j int) bool {
	if !q[i].nextAt.Equal(q[j].nextAt) {
		return q[i].nextAt.Before(q[j].nextAt)
	}
	return q[i].key.event < q[j].key.event
}
func (q memQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *memQueue) Push(x any) {
	r := x.(*memRow)
	r.index = len(*q)
	*q = append(*q, r)
}
func (q *memQueue) Pop() any {
	old := *q
	r := old[len(old)-1]
	old[len(old)-1] = nil
	*q, r.index = old[:len(old)-1], -1
	return r
}

package webhook

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"time"
)

var _ Outbox = (*MemOutbox)(nil)

// Claim implements Outbox.
func (m *MemOutbox) Claim(_ context.Context, c Claim) ([]Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Delivery
	for _, epID := range m.dueEndpoints(c.Now) {
		q := m.queues[epID]
		for n := c.PerEndpoint - c.Busy[epID]; n > 0 && len(out) < c.Limit && q.Len() > 0 && !(*q)[0].nextAt.After(c.Now); n-- {
			r := (*q)[0]
			r.nextAt, r.leaseUntil = c.Now.Add(c.Lease), c.Now.Add(c.Lease)
			r.attempt++
			r.try++
			heap.Fix(q, 0)
			out = append(out, m.delivery(r))
		}
	}
	return out, nil
}

// dueEndpoints lists the active endpoints with a due delivery, the one
// waiting longest first.
func (m *MemOutbox) dueEndpoints(now time.Time) []int64 {
	type due struct {
		id    int64
		since time.Time
	}
	var list []due
	for id, q := range m.queues {
		if q.Len() > 0 && !m.endpoints[id].disabled && !(*q)[0].nextAt.After(now) {
			list = append(list, due{id, (*q)[0].nextAt})
		}
	}
	slices.SortFunc(list, func(a, b due) int {
		return cmp.Or(a.since.Compare(b.since), cmp.Compare(a.id, b.id))
	})
	ids := make([]int64, len(list))
	for i, d := range list {
		ids[i] = d.id
	}
	return ids
}

func (m *MemOutbox) delivery(r *memRow) Delivery {
	ep, ev := m.endpoints[r.key.endpoint], m.events[r.key.event]
	return Delivery{EventID: r.key.event, EndpointID: r.key.endpoint, URL: ep.url, Secret: ep.secret,
		Body: ev.body, Attempt: r.attempt, Try: r.try, Since: r.since, LeaseUntil: r.leaseUntil}
}

// Record implements Outbox.
func (m *MemOutbox) Record(_ context.Context, o Outcome) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempts = append(m.attempts, o.Attempt)
	if ep := m.endpoints[o.EndpointID]; ep != nil {
		if o.OK() {
			ep.lastSuccessAt, ep.failingSince = o.At, time.Time{}
		} else if ep.failingSince.IsZero() {
			ep.failingSince = o.At
		}
	}
	failing := m.failingSince(o.EndpointID)
	r := m.rows[memKey{o.EventID, o.EndpointID}]
	if r == nil || r.attempt != o.Number {
		return failing, ErrLeaseLost
	}
	r.state, r.leaseUntil = o.State, time.Time{}
	if o.State == Pending {
		r.nextAt = o.NextAt
		m.queue(r)
	} else if r.index >= 0 {
		heap.Remove(m.queues[r.key.endpoint], r.index)
	}
	return failing, nil
}

func (m *MemOutbox) failingSince(id int64) time.Time {
	if ep := m.endpoints[id]; ep != nil {
		return ep.failingSince
	}
	return time.Time{}
}

// Disable implements Outbox.
func (m *MemOutbox) Disable(_ context.Context, endpointID int64, d Disabling) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ep := m.endpoints[endpointID]
	if ep == nil {
		return false, ErrNotFound
	}
	if ep.disabled {
		return false, nil
	}
	if !d.FailingBefore.IsZero() && (ep.failingSince.IsZero() || ep.failingSince.After(d.FailingBefore)) {
		return false, nil
	}
	ep.disabled, ep.disabledFor = true, d.Reason
	return true, nil
}

// Requeue implements Outbox.
func (m *MemOutbox) Requeue(_ context.Context, eventID string, endpointID int64, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ep, ev := m.endpoints[endpointID], m.events[eventID]
	if ep == nil || ev == nil {
		return ErrNotFound
	}
	if ep.disabled {
		return ErrEndpointDisabled
	}
	r := m.rows[memKey{eventID, endpointID}]
	if r == nil {
		r = &memRow{key: memKey{eventID, endpointID}, index: -1}
	}
	if r.leaseUntil.After(now) {
		return ErrInFlight
	}
	r.state, r.nextAt, r.since, r.try, r.leaseUntil = Pending, now, now, 0, time.Time{}
	m.queue(r)
	return nil
}

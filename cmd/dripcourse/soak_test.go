package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/smtptest"
)

// soakState is what the soak's goroutines share.
type soakState struct {
	mu         sync.Mutex
	unsubbedAt map[string]int // address -> pass number when the unsubscribe returned
	frozen     map[string]int // address -> lessons it had once a later pass completed
	pass       int
	confirms   chan string
	lessons    chan [2]string // address, unsubscribe link
}

// TestSoak runs signups, confirmations, unsubscribes and dispatch passes
// concurrently for a minute, then checks that every reader got exactly the
// lessons due, in order; that nobody received a lesson once a pass had run
// after their unsubscribe; and that the stats agree with the SMTP server.
// It runs only when asked for: DRIP_SOAK=1 runs it for a minute, and a
// duration such as DRIP_SOAK=5m for that long.
func TestSoak(t *testing.T) {
	v := os.Getenv("DRIP_SOAK")
	if v == "" || testing.Short() {
		t.Skip("soak test: runs for a minute, so only when asked for: DRIP_SOAK=1 go test -run '^TestSoak$' ./cmd/dripcourse (or DRIP_SOAK=5m for longer); never with -short")
	}
	dur := time.Minute
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		dur = d
	}
	h := newHarness(t, nil)
	st := &soakState{unsubbedAt: map[string]int{}, frozen: map[string]int{}, confirms: make(chan string, 1000), lessons: make(chan [2]string, 10000)}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { soakSignups(ctx, h, 400) })
	wg.Go(func() { soakConfirms(ctx, h, st) })
	wg.Go(func() { soakUnsubscribes(ctx, h, st) })
	soakPasses(ctx, t, h, st)
	cancel()
	wg.Wait()
	soakCheck(t, h, st)
}

func soakSignups(ctx context.Context, h *harness, n int) {
	for i := 0; i < n && ctx.Err() == nil; i++ {
		h.signup(fmt.Sprintf("soak%d@example.com", i), "", "UTC")
	}
}

func soakConfirms(ctx context.Context, h *harness, st *soakState) {
	for {
		select {
		case <-ctx.Done():
			return
		case path := <-st.confirms:
			http.PostForm(h.web.URL+path, nil)
		}
	}
}

// soakUnsubscribes unsubscribes every seventh lesson's reader, one-click.
func soakUnsubscribes(ctx context.Context, h *harness, st *soakState) {
	n := 0
	for {
		select {
		case <-ctx.Done():
			return
		case l := <-st.lessons:
			if n++; n%7 != 0 {
				continue
			}
			res, err := http.PostForm(h.web.URL+l[1], url.Values{"List-Unsubscribe": {"One-Click"}})
			if err == nil && res.StatusCode == 200 {
				st.mu.Lock()
				if _, done := st.unsubbedAt[l[0]]; !done {
					st.unsubbedAt[l[0]] = st.pass
				}
				st.mu.Unlock()
			}
		}
	}
}

// soakPasses runs dispatch passes an hour apart on the test clock and
// hands new mail to the other goroutines.
func soakPasses(ctx context.Context, t *testing.T, h *harness, st *soakState) {
	seen := 0
	for ctx.Err() == nil {
		st.mu.Lock()
		st.pass++
		started := st.pass
		st.mu.Unlock()
		if _, err := h.app.runner().SendDue(context.Background()); err != nil {
			t.Errorf("pass: %v", err)
			return
		}
		msgs := h.smtp.Messages()
		counts := lessonCounts(t, msgs)
		st.mu.Lock()
		for addr, at := range st.unsubbedAt {
			if _, ok := st.frozen[addr]; !ok && at < started {
				st.frozen[addr] = counts[addr]
			}
		}
		st.mu.Unlock()
		for _, m := range msgs[seen:] {
			p := parse(t, m)
			if strings.Contains(p.header.Get("Subject"), "confirm") {
				st.confirms <- link(t, p.parts[0].body, "/confirm")
			} else {
				select {
				case st.lessons <- [2]string{m.To[0], link(t, p.header.Get("List-Unsubscribe"), "/u")}:
				default:
				}
			}
		}
		seen = len(msgs)
		h.clock.Advance(time.Hour)
	}
}

func lessonCounts(t *testing.T, msgs []smtptest.Message) map[string]int {
	counts := map[string]int{}
	for _, m := range msgs {
		if !strings.Contains(m.Header().Get("Subject"), "confirm") {
			counts[m.To[0]]++
		}
	}
	return counts
}

func soakCheck(t *testing.T, h *harness, st *soakState) {
	ctx := context.Background()
	h.pass() // nothing due may be left unsent
	crs := h.app.lib.Content().Default()
	msgs := h.smtp.Messages()
	got := map[string][]string{}
	for _, m := range msgs {
		if s := m.Header().Get("Subject"); !strings.Contains(s, "confirm") {
			got[m.To[0]] = append(got[m.To[0]], s)
		}
	}
	total := 0
	for addr, subjects := range got {
		total += len(subjects)
		for i, s := range subjects {
			if s != crs.Lessons[i].Subject {
				t.Fatalf("%s: lesson %d was %q, want %q (order or repeat)", addr, i+1, s, crs.Lessons[i].Subject)
			}
		}
		if n, ok := st.frozen[addr]; ok && len(subjects) != n {
			t.Errorf("%s got %d lessons after unsubscribing and a pass", addr, len(subjects)-n)
		}
		sub, err := h.app.db.SubscriberByEmail(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := h.app.db.Enrollment(ctx, sub.ID, crs.Slug)
		if sub.Status == drip.StatusActive && e.Status == drip.EnrollActive && !e.NextDueAt.After(h.clock.Now()) {
			t.Errorf("%s has a lesson due that was not sent", addr)
		}
	}
	rep, err := h.app.stats(ctx, crs)
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, l := range rep.Lessons {
		sent += l.Sent
	}
	if sent != total {
		t.Errorf("stats say %d lessons sent, the SMTP server got %d", sent, total)
	}
	t.Logf("soak: %d readers, %d lessons, %d unsubscribed, %d passes", len(got), total, len(st.unsubbedAt), st.pass)
}

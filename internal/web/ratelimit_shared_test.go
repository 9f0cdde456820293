package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// sharedStore opens the database that instances share: a fresh PostgreSQL
// schema when DRIP_TEST_POSTGRES is set, else a SQLite file, opened n times.
func sharedStore(t *testing.T, n int) []*store.DB {
	t.Helper()
	target := filepath.Join(t.TempDir(), "shared.db")
	if os.Getenv(pgtest.Env) != "" {
		target = pgtest.Fresh(t)
	}
	dbs := make([]*store.DB, n)
	for i := range dbs {
		db, err := store.Open(context.Background(), target)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// TestLimitsSharedAcrossInstances sends one client's signups alternately
// to two servers, each with its own connection to one database: together
// they allow the limit, not twice it. Another client, and the same client
// on another limited action, still get through.
func TestLimitsSharedAcrossInstances(t *testing.T) {
	const limit = 4
	var handlers []http.Handler
	for _, db := range sharedStore(t, 2) {
		f := newFixture(t)
		f.srv.DB = db
		f.srv.LimitCounter = db.RateCounter()
		// An hour's window: the sliding estimate can't decay mid-test.
		f.srv.Limits = Limits{Signup: limit, Confirm: limit, Unsubscribe: limit, Window: time.Hour}
		handlers = append(handlers, f.srv.Handler())
	}
	for i := range 2 * limit {
		code := post(handlers[i%2], "192.0.2.1:1000", "")
		if refused := code == http.StatusTooManyRequests; refused != (i >= limit) {
			t.Fatalf("signup %d (to server %d) got %d; want the first %d in total allowed, then 429", i+1, i%2+1, code, limit)
		}
	}
	if code := post(handlers[1], "192.0.2.2:1000", ""); code == http.StatusTooManyRequests {
		t.Fatal("another client was limited by the first one's count")
	}
	if code := getFrom(handlers[0], "/confirm/x", "192.0.2.1:1000"); code == http.StatusTooManyRequests {
		t.Fatal("the confirm page was limited by the client's signups")
	}
}

// TestLimitCounterFailsOpen uses a counter whose database is gone: every
// request goes through as if there were no limit, and the failure is
// logged once a minute, not once per request.
func TestLimitCounterFailsOpen(t *testing.T) {
	dead, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "dead.db"))
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	f := newFixture(t)
	unlimited := post(f.srv.Handler(), "192.0.2.1:1000", "")
	var logs bytes.Buffer
	f.srv.Log = slog.New(slog.NewTextHandler(&logs, nil))
	f.srv.LimitCounter = dead.RateCounter()
	f.srv.Limits = Limits{Signup: 1, Window: time.Minute}
	h := f.srv.Handler()
	for i := range 5 {
		if code := post(h, "192.0.2.1:1000", ""); code != unlimited {
			t.Fatalf("request %d with the counter down got %d, want %d as without limits", i+1, code, unlimited)
		}
		f.clock.Advance(counterRest) // each request finds the counter rested, and tries it
	}
	if n := strings.Count(logs.String(), "not enforced"); n != 1 {
		t.Fatalf("the counter's failure was logged %d times in %v, want once:\n%s", n, 5*counterRest, logs.String())
	}
	f.clock.Advance(time.Minute)
	post(h, "192.0.2.1:1000", "")
	if n := strings.Count(logs.String(), "not enforced"); n != 2 {
		t.Fatalf("a minute later the failure was logged %d times in all, want twice", n)
	}
}

func getFrom(h http.Handler, path, remote string) int {
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

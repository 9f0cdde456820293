package admin

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
	"github.com/dripcourse/dripcourse/internal/token"
)

// deviceLogin logs in with the right password from the browser holding
// the device cookie device.
func (a *admin) deviceLogin(device, password string) *http.Response {
	a.t.Helper()
	form := strings.NewReader(url.Values{"password": {password}}.Encode())
	res, _ := a.req("POST", "/admin/login", form, http.Header{"Cookie": {deviceCookie + "=" + device}})
	return res
}

// device is a device cookie as a login would have set it.
func (a *admin) device() string {
	return a.srv.Links.Signer().Sign(token.Claims{Purpose: token.AdminDevice, Expires: a.clock.Now().Add(deviceLife), Data: rand.Text()})
}

// Strangers on the operator's address (or /64) who use up its login
// attempts lock out other strangers, never a browser that has logged in
// before; that browser's own attempts are counted apart.
func TestKnownBrowserIsNotLockedOutByStrangers(t *testing.T) {
	a := newAdmin(t)
	for range loginFailures + 2 {
		a.post("/admin/login", url.Values{"password": {"guess"}})
	}
	if res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}}); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a stranger after the address's attempts are used up: %d, want 429", res.StatusCode)
	}
	device := a.device()
	if res := a.deviceLogin(device, adminPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the operator's known browser on the same address: %d, want 303 logged in", res.StatusCode)
	}
	if res := a.deviceLogin("forged", adminPassword); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a forged device cookie: %d, want 429 like any stranger", res.StatusCode)
	}
	for range loginFailures {
		a.deviceLogin(device, "guess")
	}
	if res := a.deviceLogin(device, adminPassword); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a known browser after its own %d wrong passwords: %d, want 429", loginFailures, res.StatusCode)
	}
	if res := a.deviceLogin(a.device(), adminPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("another known browser: %d, want 303", res.StatusCode)
	}
}

// A shared login counter that fails refuses strangers' logins (fail
// closed), logged once a minute, and still lets a known browser in.
func TestLoginLimitFailsClosed(t *testing.T) {
	dead, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "dead.db"))
	if err != nil {
		t.Fatal(err)
	}
	dead.Close()
	var logs bytes.Buffer
	a := newAdmin(t, func(s *Server) {
		s.LimitCounter = dead.RateCounter()
		s.Log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	for i := range 3 {
		res, page := a.post("/admin/login", url.Values{"password": {adminPassword}})
		if res.StatusCode != http.StatusServiceUnavailable || len(res.Cookies()) != 0 || !strings.Contains(page, "none are taken") {
			t.Fatalf("login %d with the counter down: %d, cookies %v; want 503 and no session", i+1, res.StatusCode, res.Cookies())
		}
		a.clock.Advance(counterRest) // the counter is tried again each time
	}
	if n := strings.Count(logs.String(), "shared login counter failed"); n != 1 {
		t.Fatalf("the counter's failure was logged %d times, want once:\n%s", n, logs.String())
	}
	if res := a.deviceLogin(a.device(), adminPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a known browser with the counter down: %d, want 303", res.StatusCode)
	}
}

// On PostgreSQL, a login counter that is too slow to answer (its table
// locked by another transaction) refuses strangers rather than letting
// them through uncounted.
func TestLoginLimitFailsClosedWhenSlowOnPostgres(t *testing.T) {
	target := pgtest.Fresh(t)
	db, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	counter := db.RateCounter()
	counter.Timeout = 200 * time.Millisecond
	a := newAdmin(t, func(s *Server) { s.LimitCounter = counter })
	if res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login with the counter answering: %d, want 303", res.StatusCode)
	}
	locker, err := sql.Open("pgx", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { locker.Close() })
	tx, err := locker.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("LOCK TABLE rate_hits IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	if res, _ := a.post("/admin/login", url.Values{"password": {adminPassword}}); res.StatusCode != http.StatusServiceUnavailable || len(res.Cookies()) != 0 {
		t.Fatalf("login with the counter stuck behind a lock: %d, want 503 and no session", res.StatusCode)
	}
}

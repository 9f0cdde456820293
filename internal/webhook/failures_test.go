package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRedirectIsAFailedAttempt(t *testing.T) {
	f := newFixture(t, nil)
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusPermanentRedirect)
	}))
	defer moved.Close()
	ep := f.box.AddEndpoint(moved.URL, NewSecret())
	id := f.event(LessonSent, 1)
	f.drain()
	log := f.box.Attempts()
	if len(log) != 1 || log[0].Status != 308 || log[0].OK() || !strings.Contains(log[0].Error, "redirects are not followed") {
		t.Fatalf("attempts %+v, want one failed 308", log)
	}
	if s, _ := f.box.State(id, ep); s != Pending || hits.Load() != 0 {
		t.Fatalf("state %q, redirect target hit %d times; want pending and 0", s, hits.Load())
	}
}

// The receiver declares one byte more than the 10 MB it writes and then
// holds the connection open: a client that read past the cap would wait
// for that byte until its timeout.
func TestHugeResponseIsReadOnlyToTheCap(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the hang-up
		w.Header().Set("Content-Length", strconv.Itoa(10<<20+1))
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		for i := 0; i < 10<<20/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up, as it should
			}
		}
		<-r.Context().Done()
	}))
	defer srv.Close()
	ep := f.box.AddEndpoint(srv.URL, NewSecret())
	id := f.event(LessonSent, 1)
	f.drain()
	log := f.box.Attempts()
	if len(log) != 1 || log[0].Status != 200 || log[0].Error != "" { // reading on would have timed out
		t.Fatalf("attempts %+v", log)
	}
	if a := log[0]; len(a.Response) != ResponseLimit || !a.Truncated {
		t.Fatalf("kept %d bytes (truncated %v), want %d", len(a.Response), a.Truncated, ResponseLimit)
	}
	if s, _ := f.box.State(id, ep); s != Delivered {
		t.Fatalf("state %q, want delivered", s)
	}
}

func TestEndpointFailingThreeDaysIsDisabledWithAlert(t *testing.T) {
	f := newFixture(t, nil)
	dead, healthy := newReceiver(t, f.clk.Now), newReceiver(t, f.clk.Now)
	dead.answer = func(string, []byte) int { return 500 }
	deadID := f.box.AddEndpoint(dead.srv.URL+"/hook/tok", dead.secret)
	f.box.AddEndpoint(healthy.srv.URL, healthy.secret)
	events := 0
	for f.clk.Now().Sub(t0) < DisableAfter+12*time.Hour && len(f.alertList()) == 0 {
		if f.clk.Now().Sub(t0)%(6*time.Hour) == 0 {
			f.event(LessonSent, events)
			events++
		}
		f.drain()
		if disabled, _ := f.box.Endpoint(deadID); disabled && f.clk.Now().Sub(t0) < DisableAfter {
			t.Fatalf("disabled after %v", f.clk.Now().Sub(t0))
		}
		f.clk.Advance(10 * time.Minute)
	}
	alerts := f.alertList()
	if len(alerts) != 1 || alerts[0].EndpointID != deadID || !strings.Contains(alerts[0].Reason, "no successful delivery since") ||
		alerts[0].Host != strings.TrimPrefix(dead.srv.URL, "http://") || alerts[0].At.Sub(t0) < DisableAfter {
		t.Fatalf("alerts %+v", alerts)
	}
	if disabled, reason := f.box.Endpoint(deadID); !disabled || reason != alerts[0].Reason {
		t.Fatalf("endpoint disabled %v (%q)", disabled, reason)
	}
	before := dead.requestCount()
	f.event(LessonSent, events)
	f.clk.Advance(7 * time.Hour)
	f.drain()
	if n, _, _ := healthy.counts(); dead.requestCount() != before || n != events+1 {
		t.Fatalf("after disabling: %d more requests to the dead endpoint; the healthy one has %d of %d", dead.requestCount()-before, n, events+1)
	}
}

// Without its one success a day in, this endpoint would be disabled
// after three days, as the test above shows.
func TestOneSuccessKeepsAnEndpointEnabled(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	r.answer = func(string, []byte) int {
		if since := f.clk.Now().Sub(t0); since >= 24*time.Hour && since < 24*time.Hour+10*time.Minute {
			return 204
		}
		return 500
	}
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	for f.clk.Now().Sub(t0) < 84*time.Hour {
		if f.clk.Now().Sub(t0)%(6*time.Hour) == 0 {
			f.event(LessonSent, 0)
		}
		f.drain()
		f.clk.Advance(10 * time.Minute)
	}
	if n, _, _ := r.counts(); n != 1 {
		t.Fatalf("%d successes, want the one", n)
	}
	if disabled, _ := f.box.Endpoint(ep); disabled || len(f.alertList()) != 0 {
		t.Fatal("disabled although it succeeded within the last three days")
	}
}

func TestGoneDisablesAtOnce(t *testing.T) {
	f := newFixture(t, nil)
	r := newReceiver(t, f.clk.Now)
	var gone atomic.Bool
	gone.Store(true)
	r.answer = func(string, []byte) int {
		if gone.Load() {
			return http.StatusGone
		}
		return 204
	}
	ep := f.box.AddEndpoint(r.srv.URL, r.secret)
	id := f.event(LessonSent, 1)
	f.drain()
	if disabled, _ := f.box.Endpoint(ep); !disabled || len(f.alertList()) != 1 || !strings.Contains(f.alertList()[0].Reason, "410") {
		t.Fatalf("after 410: disabled %v, alerts %+v", disabled, f.alertList())
	}
	if s, _ := f.box.State(id, ep); s != Pending {
		t.Fatalf("state %q: the delivery should wait for the endpoint to be enabled again", s)
	}
	gone.Store(false)
	f.box.Enable(ep)
	f.clk.Advance(time.Minute)
	f.drain()
	if n, _, _ := r.counts(); n != 1 {
		t.Fatalf("after enabling, %d events arrived, want 1", n)
	}
}

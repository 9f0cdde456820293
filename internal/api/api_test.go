package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

const (
	trust   = "rebuilding-trust"
	breakup = "after-the-breakup"
)

func allScopes() []string { return apikey.Scopes() }

// TestAPIReaderLifecycle walks a reader through every endpoint: added,
// found again, read, listed, paused, resumed, moved, unsubscribed from one
// course, erased; the courses and their figures.
func TestAPIReaderLifecycle(t *testing.T) {
	databases(t, func(t *testing.T, target string) {
		f := newFixture(t, target, 0)
		key := f.key("shop", allScopes()...)

		a := f.do(key, "POST", "/subscribers", map[string]any{"email": "Ann@Example.com", "name": "Ann", "timezone": "Europe/Paris", "course": trust, "confirmed": true})
		if a.status != http.StatusCreated || !strings.HasPrefix(a.header.Get("Location"), "/api/v1/subscribers/") {
			t.Fatalf("new reader: %d %s", a.status, a.body)
		}
		var ann Subscriber
		a.decode(t, &ann)
		if ann.ID == 0 || ann.Status != drip.StatusActive || ann.Timezone != "Europe/Paris" || len(ann.Enrollments) != 1 ||
			ann.Enrollments[0].Course != trust || ann.Enrollments[0].Status != drip.EnrollActive {
			t.Fatalf("new confirmed reader: %+v", ann)
		}

		// The same address again, for a second course: 200, both courses.
		a = f.do(key, "POST", "/subscribers", map[string]any{"email": "ann@example.com", "course": breakup, "confirmed": true})
		var again Subscriber
		a.decode(t, &again)
		if a.status != http.StatusOK || again.ID != ann.ID || len(again.Enrollments) != 2 {
			t.Fatalf("existing reader: %d %s", a.status, a.body)
		}

		// Without confirmed: the double opt-in, as the form does it.
		a = f.do(key, "POST", "/subscribers", map[string]any{"email": "bob@example.com", "course": breakup})
		var bob Subscriber
		a.decode(t, &bob)
		if a.status != http.StatusCreated || bob.Status != drip.StatusPending || bob.Enrollments[0].Status != drip.EnrollPending {
			t.Fatalf("reader to confirm: %d %s", a.status, a.body)
		}
		f.do(key, "POST", "/subscribers", map[string]any{"email": "cy@example.com"})

		path := fmt.Sprintf("/subscribers/%d", ann.ID)
		if a = f.do(key, "GET", path, nil); a.status != http.StatusOK {
			t.Fatalf("get: %d %s", a.status, a.body)
		}
		checkList(t, f, key)

		enr := path + "/enrollments/" + trust
		checkEnrollment(t, f.do(key, "POST", enr+"/pause", nil), trust, drip.EnrollPaused)
		checkEnrollment(t, f.do(key, "POST", enr+"/pause", nil), trust, drip.EnrollPaused) // repeating changes nothing
		checkEnrollment(t, f.do(key, "POST", enr+"/resume", nil), trust, drip.EnrollActive)
		checkEnrollment(t, f.do(key, "POST", enr+"/move", map[string]string{"lesson": lessonAt(t, f, trust, 2)}), trust, drip.EnrollActive)
		f.do(key, "POST", enr+"/move", map[string]string{"lesson": "no-such-lesson"}).problem(t, 422, "validation")
		checkEnrollment(t, f.do(key, "POST", enr+"/unsubscribe", nil), trust, drip.EnrollStopped)
		checkEnrollment(t, f.do(key, "POST", enr+"/pause", nil), trust, drip.EnrollStopped) // not running: nothing to pause
		var still Subscriber
		f.do(key, "GET", path, nil).decode(t, &still)
		if still.Status != drip.StatusActive {
			t.Errorf("leaving one course of two left the reader %s", still.Status)
		}
		f.do(key, "POST", fmt.Sprintf("/subscribers/%d/enrollments/%s/pause", bob.ID, trust), nil).problem(t, 404, "not-found")

		checkCourses(t, f, key)

		if a = f.do(key, "DELETE", path, nil); a.status != http.StatusNoContent {
			t.Fatalf("erase: %d %s", a.status, a.body)
		}
		f.do(key, "GET", path, nil).problem(t, 404, "not-found")
		if _, err := f.db.SubscriberByEmail(context.Background(), "ann@example.com"); err == nil {
			t.Error("the erased reader is still in the database")
		}
		if f.answers < 20 {
			t.Errorf("only %d answers were validated", f.answers)
		}
	})
}

func checkEnrollment(t *testing.T, a answer, course string, want drip.EnrollmentStatus) {
	t.Helper()
	var s Subscriber
	a.decode(t, &s)
	if a.status != http.StatusOK {
		t.Fatalf("enrollment action: %d %s", a.status, a.body)
	}
	for _, e := range s.Enrollments {
		if e.Course == course && e.Status != want {
			t.Fatalf("enrollment in %s is %s, want %s", course, e.Status, want)
		}
	}
}

// lessonAt is the slug of a course's n-th lesson, from the API.
func lessonAt(t *testing.T, f *fixture, slug string, n int) string {
	t.Helper()
	crs, _ := f.srv.Library.Content().Set.Course(slug)
	return crs.Lessons[n-1].Slug
}

// checkList pages through three readers two at a time, and filters.
func checkList(t *testing.T, f *fixture, key string) {
	t.Helper()
	var p1, p2 SubscriberPage
	f.do(key, "GET", "/subscribers?limit=2", nil).decode(t, &p1)
	if len(p1.Data) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page: %+v", p1)
	}
	f.do(key, "GET", "/subscribers?limit=2&cursor="+p1.NextCursor, nil).decode(t, &p2)
	if len(p2.Data) != 1 || p2.NextCursor != "" || p2.Data[0].ID <= p1.Data[1].ID {
		t.Fatalf("second page: %+v", p2)
	}
	var pending SubscriberPage
	f.do(key, "GET", "/subscribers?course="+breakup+"&status=pending", nil).decode(t, &pending)
	if len(pending.Data) != 1 || pending.Data[0].Email != "bob@example.com" {
		t.Fatalf("pending in %s: %+v", breakup, pending)
	}
	p := f.do(key, "GET", "/subscribers?status=asleep&limit=0&course=nope", nil).problem(t, 422, "validation")
	if len(p.Errors) != 3 {
		t.Errorf("want three field errors, got %+v", p.Errors)
	}
}

// checkCourses reads the courses and one's figures.
func checkCourses(t *testing.T, f *fixture, key string) {
	t.Helper()
	var list CourseList
	f.do(key, "GET", "/courses", nil).decode(t, &list)
	if len(list.Data) != 2 || len(list.Data[0].Lessons) == 0 {
		t.Fatalf("courses: %+v", list)
	}
	var stats struct {
		Course  string
		Lessons []struct {
			Slug    string
			Skipped int
		}
	}
	f.do(key, "GET", "/courses/"+trust+"/stats", nil).decode(t, &stats)
	if stats.Course != trust || len(stats.Lessons) == 0 || stats.Lessons[0].Skipped != 1 {
		t.Fatalf("stats of %s (the move skipped lesson 1): %+v", trust, stats)
	}
	f.do(key, "GET", "/courses/nope/stats", nil).problem(t, 404, "not-found")
}

// TestAPIBadInput sends what a careless or hostile client sends; each gets
// a precise problem, and nothing changes.
func TestAPIBadInput(t *testing.T) {
	databases(t, func(t *testing.T, target string) {
		f := newFixture(t, target, 0)
		key := f.key("crm", apikey.DefaultScopes()...)
		cases := []struct {
			name, key, body string
			status          int
			kind, field     string
		}{
			{"malformed JSON", key, `{"email": "a@example.com",`, 400, "malformed", ""},
			{"two values", key, `{"email": "a@example.com"} {}`, 400, "malformed", ""},
			{"unknown field", key, `{"email": "a@example.com", "nickname": "A"}`, 422, "validation", "/nickname"},
			{"wrong type", key, `{"email": "a@example.com", "confirmed": "yes"}`, 422, "validation", "/confirmed"},
			{"10 MB body", key, `{"name": "` + strings.Repeat("x", 10<<20) + `"}`, 413, "too-large", ""},
			{"no such course", key, `{"email": "a@example.com", "course": "knitting"}`, 422, "validation", "/course"},
			{"not an address", key, `{"email": "not an address"}`, 422, "validation", "/email"},
			{"bad timezone", key, `{"email": "a@example.com", "timezone": "Mars/Olympus"}`, 422, "validation", "/timezone"},
			{"confirmed without the scope", key, `{"email": "a@example.com", "confirmed": true}`, 403, "forbidden", ""},
			{"wrong key", "drip_abcdefghij_" + strings.Repeat("k", 52), `{"email": "a@example.com"}`, 401, "unauthorized", ""},
			{"not a key", "hunter2", `{"email": "a@example.com"}`, 401, "unauthorized", ""},
			{"no key", "", `{"email": "a@example.com"}`, 401, "unauthorized", ""},
		}
		for _, c := range cases {
			p := f.do(c.key, "POST", "/subscribers", c.body).problem(t, c.status, c.kind)
			if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field || p.Errors[0].Reason == "") {
				t.Errorf("%s: want the field %s named, got %+v", c.name, c.field, p.Errors)
			}
		}
		revoked := f.key("old", apikey.DefaultScopes()...)
		if _, err := f.db.RevokeAPIKey(context.Background(), "old", f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if p := f.do(revoked, "GET", "/subscribers", nil).problem(t, 401, "unauthorized"); !strings.Contains(p.Detail, "revoked") {
			t.Errorf("a revoked key: %+v", p)
		}
		readOnly := f.key("reader", apikey.SubscribersRead)
		f.do(readOnly, "DELETE", "/subscribers/1", nil).problem(t, 403, "forbidden")
		f.do(key, "GET", "/subscribers/abc", nil).problem(t, 404, "not-found")
		rows, err := f.db.ListSubscribers(context.Background(), store.SubscriberQuery{Limit: 10})
		if err != nil || len(rows) != 0 {
			t.Errorf("bad requests added readers: %v %v", rows, err)
		}
	})
}

// TestAPIIdempotencyKey retries a POST: it runs once, and the retry gets
// the first answer; the key sent with another body is refused.
func TestAPIIdempotencyKey(t *testing.T) {
	databases(t, func(t *testing.T, target string) {
		f := newFixture(t, target, 0)
		key := f.key("shop", allScopes()...)
		body := map[string]any{"email": "dee@example.com", "confirmed": true}
		first := f.do(key, "POST", "/subscribers", body, "Idempotency-Key", "order-1001")
		retry := f.do(key, "POST", "/subscribers", body, "Idempotency-Key", "order-1001")
		if first.status != 201 || retry.status != 201 || string(first.body) != string(retry.body) || retry.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry: %d %s / %d %s", first.status, first.body, retry.status, retry.body)
		}
		// Without the key, the same request is a second one: 200.
		if a := f.do(key, "POST", "/subscribers", body); a.status != 200 {
			t.Errorf("a new request for the same address: %d", a.status)
		}
		f.do(key, "POST", "/subscribers", map[string]any{"email": "eve@example.com"}, "Idempotency-Key", "order-1001").
			problem(t, 422, "idempotency-reused")
		if _, err := f.db.SubscriberByEmail(context.Background(), "eve@example.com"); err == nil {
			t.Error("the refused request added its reader")
		}
		// Another API key's Idempotency-Keys are its own.
		other := f.key("crm", allScopes()...)
		if a := f.do(other, "POST", "/subscribers", map[string]any{"email": "eve@example.com"}, "Idempotency-Key", "order-1001"); a.status != 201 {
			t.Errorf("another key's request: %d %s", a.status, a.body)
		}
	})
}

// TestAPIRateLimitPerKey spends one key's requests; another key is not
// held back by it.
func TestAPIRateLimitPerKey(t *testing.T) {
	f := newFixture(t, t.TempDir()+"/api.db", 3)
	busy, calm := f.key("busy", allScopes()...), f.key("calm", allScopes()...)
	limited := 0
	for range 8 {
		a := f.do(busy, "GET", "/courses", nil)
		if a.status == http.StatusTooManyRequests {
			a.problem(t, 429, "rate-limited")
			limited++
		}
	}
	if limited < 4 {
		t.Errorf("8 requests at 3 a minute: only %d refused", limited)
	}
	if a := f.do(calm, "GET", "/courses", nil); a.status != 200 {
		t.Errorf("another key was limited too: %d", a.status)
	}
}

// TestAPIOutsideCSRF posts as a browser on another site would: the API
// does not apply the same-site rules (the key is the credential), and the
// document is served without a key.
func TestAPIOutsideCSRF(t *testing.T) {
	f := newFixture(t, t.TempDir()+"/api.db", 0)
	key := f.key("shop", allScopes()...)
	a := f.do(key, "POST", "/subscribers", map[string]any{"email": "fay@example.com"}, "Origin", "https://shop.example.net", "Sec-Fetch-Site", "cross-site")
	if a.status != http.StatusCreated {
		t.Errorf("a cross-site POST with a key: %d %s", a.status, a.body)
	}
	if a := f.do("", "GET", "/openapi.json", nil); a.status != 200 || !strings.Contains(string(a.body), `"openapi": "3.1.0"`) {
		t.Errorf("openapi.json: %d", a.status)
	}
	// A path the document does not have is still a problem, not a page.
	res, err := http.Get(f.ts.URL + "/api/v1/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("an unknown API path: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestContractCatchesDrift shows the validator refusing an answer that
// drifted from the document: a reader without enrollments and with a
// string for an ID.
func TestContractCatchesDrift(t *testing.T) {
	f := newFixture(t, t.TempDir()+"/api.db", 0)
	req, _ := http.NewRequest("GET", "/api/v1/subscribers/1", nil)
	res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"id": "1", "email": "a@example.com", "name": "", "timezone": "UTC", "status": "active", "created_at": "2026-12-01T12:00:00Z"}`))}
	if ok, errs := f.check.ValidateHttpResponse(req, res); ok || len(errs) == 0 {
		t.Error("an answer that breaks the document passed validation")
	}
}

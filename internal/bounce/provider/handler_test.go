package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// echoProvider accepts bodies that start with "ok" and refuses the rest
// with the error named by the body.
type echoProvider struct{ released int }

func (*echoProvider) Name() string { return "echo" }

func (*echoProvider) Reports(_ *http.Request, body []byte) ([]bounce.Report, error) {
	switch s := string(body); {
	case strings.HasPrefix(s, "ok"):
		return []bounce.Report{{Recipient: "a@example.org", Kind: bounce.Hard, Source: "echo"}}, nil
	case s == "none":
		return nil, nil
	case s == "forbidden":
		return nil, fmt.Errorf("%w: topic", ErrForbidden)
	case s == "malformed":
		return nil, fmt.Errorf("%w: json", ErrMalformed)
	}
	return nil, fmt.Errorf("%w: bad signature", ErrUnauthenticated)
}

func (e *echoProvider) release(*http.Request, []byte) { e.released++ }
func (*echoProvider) challenge() string               { return `Basic realm="test"` }

func TestHandlerStatuses(t *testing.T) {
	tests := []struct {
		name, method, body string
		acceptErr          error
		want               int
		wantReports        int
		wantRefused        bool
	}{
		{"accepted", "POST", "ok", nil, 200, 1, false},
		{"nothing to record", "POST", "none", nil, 200, 0, false},
		{"bad signature", "POST", "forged", nil, 401, 0, true},
		{"foreign topic", "POST", "forbidden", nil, 403, 0, true},
		{"malformed", "POST", "malformed", nil, 400, 0, true},
		{"too large", "POST", "ok" + strings.Repeat("x", 2<<20), nil, 413, 0, true},
		{"store down", "POST", "ok", errors.New("disk full"), 503, 1, false},
		{"GET", "GET", "ok", nil, 405, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &echoProvider{}
			var got []bounce.Report
			var refused []error
			h := &Handler{
				Provider: p,
				Accept: func(_ context.Context, rs []bounce.Report) error {
					got = append(got, rs...)
					return tc.acceptErr
				},
				Refused: func(_ *http.Request, _ int, err error) { refused = append(refused, err) },
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			req, _ := http.NewRequest(tc.method, srv.URL, strings.NewReader(tc.body))
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, msg, tc.want)
			}
			if len(got) != tc.wantReports {
				t.Errorf("accepted %d reports, want %d", len(got), tc.wantReports)
			}
			if (len(refused) == 1) != tc.wantRefused || len(refused) > 1 {
				t.Errorf("Refused called %d times, want refused=%v", len(refused), tc.wantRefused)
			}
			if tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.acceptErr != nil && p.released != 1 {
				t.Errorf("released %d times after a failed Accept, want 1", p.released)
			}
			if bytes.Contains(msg, []byte("bad signature")) || bytes.Contains(msg, []byte("disk full")) {
				t.Errorf("response shows internals: %q", msg)
			}
		})
	}
}

func TestHandlerWithoutAccept(t *testing.T) {
	h := &Handler{Provider: &echoProvider{}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader("ok")))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
}

func TestMemoryReplays(t *testing.T) {
	now := testNow
	m := NewMemoryReplays(func() time.Time { return now }, 2)
	exp := now.Add(time.Minute)
	if !m.Use("a", exp) || m.Use("a", exp) {
		t.Fatal("a key was not single-use")
	}
	m.Forget("a")
	if !m.Use("a", exp) {
		t.Fatal("a forgotten key was refused")
	}
	if !m.Use("b", exp) || m.Use("c", exp) {
		t.Fatal("a full memory of live keys took a new one")
	}
	now = now.Add(2 * time.Minute)
	if !m.Use("c", now.Add(time.Minute)) || !m.Use("a", now.Add(time.Minute)) {
		t.Fatal("expired keys were not swept or not reusable")
	}
}

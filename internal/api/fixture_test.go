package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/clock"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
	"github.com/dripcourse/dripcourse/internal/web"
)

// fixture is the API over httptest, mounted by internal/web as serve
// mounts it, on a real database, with every answer checked against the
// OpenAPI document.
type fixture struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	clock *clock.Fake
	ts    *httptest.Server
	check validator.Validator
	// answers counts the answers validated against the document.
	answers int
}

// databases runs fn on SQLite and, when DRIP_TEST_POSTGRES is set, on
// PostgreSQL.
func databases(t *testing.T, fn func(t *testing.T, target string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "api.db")) })
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.Env) == "" {
			t.Skip(pgtest.SkipMessage)
		}
		fn(t, pgtest.Fresh(t))
	})
}

func newFixture(t *testing.T, target string, rate int) *fixture {
	t.Helper()
	set, err := course.LoadSet(dripcourse.Lessons())
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	lib := compose.NewLibrary(&compose.Content{Set: set, Templates: tpl}, time.Time{})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &Server{DB: db, Library: lib, Now: clk.Now, Log: log, RatePerMinute: rate,
		MaxConfirmations: 3, ConfirmWindow: 24 * time.Hour}
	site := &web.Server{DB: db, Library: lib, Now: clk.Now, Log: log, API: s.Handler()}
	ts := httptest.NewServer(site.Handler())
	t.Cleanup(ts.Close)
	doc, err := libopenapi.NewDocument(OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.json is not a valid OpenAPI document: %s: %s", e.Message, e.Reason)
		}
		t.FailNow()
	}
	return &fixture{t: t, db: db, srv: s, clock: clk, ts: ts, check: v}
}

// key makes an API key with scopes and returns it.
func (f *fixture) key(name string, scopes ...string) string {
	f.t.Helper()
	k := apikey.New()
	if _, err := f.db.CreateAPIKey(context.Background(), name, k.Prefix, k.Hash, scopes, f.clock.Now()); err != nil {
		f.t.Fatal(err)
	}
	return k.Secret
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(a.body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v\n%s", a.status, err, a.body)
	}
}

// problem reads the answer as a problem, checking its status and type.
func (a answer) problem(t *testing.T, status int, kind string) Problem {
	t.Helper()
	var p Problem
	a.decode(t, &p)
	if a.status != status || p.Status != status || p.Type != problemBase+kind || a.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("want a %d %s problem, got %d %s: %s", status, kind, a.status, a.header.Get("Content-Type"), a.body)
	}
	return p
}

// do sends a request with key (none when empty) and a JSON body, and
// validates the answer against the OpenAPI document.
func (f *fixture) do(key, method, path string, body any, header ...string) answer {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, f.ts.URL+"/api/v1"+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	f.validate(req, res, b)
	return answer{status: res.StatusCode, header: res.Header, body: b}
}

// validate checks an answer against the document: its status is listed
// for the operation, and its body matches the schema.
func (f *fixture) validate(req *http.Request, res *http.Response, body []byte) {
	f.t.Helper()
	if res.Header.Get("Set-Cookie") != "" {
		f.t.Errorf("%s %s set a cookie: the API never uses cookies", req.Method, req.URL.Path)
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	vreq := req.Clone(context.Background())
	vreq.URL.Host, vreq.URL.Scheme, vreq.Body = "", "", nil
	if ok, errs := f.check.ValidateHttpResponse(vreq, res); !ok {
		for _, e := range errs {
			f.t.Errorf("%s %s answered %d against the OpenAPI document: %s: %s\n%s", req.Method, req.URL.Path, res.StatusCode, e.Message, e.Reason, body)
		}
	}
	f.answers++
}

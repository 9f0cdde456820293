package admin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// TestAPIKeysPage creates a key in the admin: shown once, kept as a hash,
// listed, then revoked.
func TestAPIKeysPage(t *testing.T) {
	a := newAdmin(t, withIntegrations(nil))
	a.login()
	res, page := a.post("/admin/api-keys", url.Values{"name": {"shop"}, "scope": {apikey.SubscribersWrite, apikey.EnrollConfirmed}})
	key := regexp.MustCompile(`<code id="new-key">(drip_[a-z0-9_]+)</code>`).FindStringSubmatch(page)
	if res.StatusCode != http.StatusOK || key == nil {
		t.Fatalf("create: %d\n%s", res.StatusCode, page)
	}
	k, hash, err := a.db.APIKeyByPrefix(context.Background(), mustPrefix(t, key[1]))
	if err != nil || !apikey.Match(key[1], hash) || hash == key[1] || strings.Join(k.Scopes, " ") != "subscribers:write enroll:confirmed" {
		t.Fatalf("stored key: %+v %v", k, err)
	}
	if _, page = a.get("/admin/api-keys"); strings.Contains(page, key[1]) || !strings.Contains(page, "shop") {
		t.Errorf("the list shows the key again, or not its name")
	}
	if res, _ = a.post("/admin/api-keys", url.Values{"name": {""}, "scope": {apikey.SubscribersRead}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a key without a name: %d", res.StatusCode)
	}
	res, page = a.post("/admin/api-keys/"+itoa(k.ID)+"/revoke", url.Values{})
	if k, _, _ = a.db.APIKeyByPrefix(context.Background(), k.Prefix); res.StatusCode != http.StatusOK || !k.Revoked() {
		t.Errorf("revoke: %d, revoked %v", res.StatusCode, k.Revoked())
	}
}

// TestWebhooksPage adds an endpoint (its secret shown once), refuses a
// private one, shows an endpoint's attempts with status and latency, and
// replays an event through the dispatcher's Replay.
func TestWebhooksPage(t *testing.T) {
	var replayed []string
	a := newAdmin(t, withIntegrations(&replayed))
	a.login()
	res, page := a.post("/admin/webhooks", url.Values{"url": {"http://127.0.0.1:9/hook"}, "event": {webhook.LessonSent}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a private http endpoint: %d", res.StatusCode)
	}
	res, page = a.post("/admin/webhooks", url.Values{"url": {"https://hooks.example.com/in"}, "event": {webhook.LessonSent, webhook.EnrollmentCompleted}})
	if res.StatusCode != http.StatusOK || !regexp.MustCompile(`<code id="new-secret">whsec_[^<]+</code>`).MatchString(page) {
		t.Fatalf("add: %d\n%s", res.StatusCode, page)
	}
	hooks := a.srv.Integrations.Webhooks
	eps, err := hooks.Endpoints(context.Background())
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints: %v %v", eps, err)
	}
	// An event owed to the endpoint, to replay.
	ev, err := hooks.AddEvent(context.Background(), webhook.LessonSent, a.clock.Now(), []byte(`{"type":"lesson.sent"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, page = a.get("/admin/webhooks/" + itoa(eps[0].ID)); !strings.Contains(page, "No attempts yet") {
		t.Errorf("a new endpoint's page lists attempts")
	}
	res, page = a.post("/admin/webhooks/"+itoa(eps[0].ID)+"/replay", url.Values{"event": {ev}})
	if res.StatusCode != http.StatusOK || len(replayed) != 1 || replayed[0] != ev {
		t.Errorf("replay: %d %v", res.StatusCode, replayed)
	}
	if res, _ = a.post("/admin/webhooks/"+itoa(eps[0].ID)+"/remove", url.Values{}); res.StatusCode != http.StatusOK {
		t.Errorf("remove: %d", res.StatusCode)
	}
	if eps, _ = hooks.Endpoints(context.Background()); len(eps) != 0 {
		t.Errorf("the endpoint is still there")
	}
}

// withIntegrations gives the admin a webhook outbox; replays are noted in
// replayed.
func withIntegrations(replayed *[]string) func(*Server) {
	return func(s *Server) {
		sealer, err := webhook.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
		if err != nil {
			panic(err)
		}
		s.Integrations = &Integrations{Webhooks: s.DB.Webhooks(sealer), Replay: func(_ context.Context, ev string, _ int64) error {
			if replayed != nil {
				*replayed = append(*replayed, ev)
			}
			return nil
		}}
	}
}

func mustPrefix(t *testing.T, key string) string {
	t.Helper()
	p, err := apikey.PrefixOf(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDashboardWarnsOfWebhookEndpoints: an endpoint failing for over an
// hour, and one disabled after 3 days, are each a warning on the
// dashboard with a link to their attempts; a healthy one is not.
func TestDashboardWarnsOfWebhookEndpoints(t *testing.T) {
	a := newAdmin(t, withIntegrations(nil))
	a.login()
	ctx := context.Background()
	hooks := a.srv.Integrations.Webhooks
	add := func(u string) int64 {
		id, err := hooks.AddEndpoint(ctx, u, webhook.NewSecret(), []string{webhook.LessonSent})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	healthy, failing, dead := add("https://ok.example.com/in"), add("https://flaky.example.com/in"), add("https://gone.example.com/in")
	_, page := a.get("/admin/")
	if strings.Contains(page, "webhook endpoint at") {
		t.Fatalf("the dashboard warns of healthy endpoints:\n%s", page)
	}
	now := a.clock.Now()
	for _, id := range []int64{failing, dead} {
		ev, err := hooks.AddEvent(ctx, webhook.LessonSent, now.Add(-2*time.Hour), []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		att := webhook.Attempt{EventID: ev, EndpointID: id, Number: 1, At: now.Add(-2 * time.Hour), Status: 500, Error: "500"}
		if _, err := hooks.Record(ctx, webhook.Outcome{Attempt: att, State: webhook.Pending, NextAt: now}); err != nil && !errors.Is(err, webhook.ErrLeaseLost) {
			t.Fatal(err)
		}
	}
	if ok, err := hooks.Disable(ctx, dead, webhook.Disabling{At: now, Reason: "no successful delivery"}); err != nil || !ok {
		t.Fatalf("disable: %v %v", ok, err)
	}
	_, page = a.get("/admin/")
	for _, want := range []string{"The webhook endpoint at flaky.example.com has been failing since",
		`href="/admin/webhooks/` + itoa(failing) + `"`, "The webhook endpoint at gone.example.com was disabled",
		"(no successful delivery)", `href="/admin/webhooks/` + itoa(dead) + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard does not say %q", want)
		}
	}
	if strings.Contains(page, "ok.example.com") || healthy == 0 {
		t.Error("the dashboard warns of the healthy endpoint")
	}
}

package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// The operator's pages for other tools: API keys (made here, shown once,
// listed with their use, revoked) and webhook endpoints (added with a
// secret shown once, their recent attempts with status and latency, a
// replay of any event, enable, remove).

// Integrations is what the API and webhook pages need; nil hides them.
type Integrations struct {
	Webhooks *store.Webhooks
	// Replay makes an event due again to an endpoint (the running
	// dispatcher's Replay, which wakes it).
	Replay func(ctx context.Context, eventID string, endpointID int64) error
	// AllowPrivate accepts http://localhost and private destinations
	// (DRIP_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivate bool
}

// integrationRoutes adds the pages to the signed-in routes.
func (s *Server) integrationRoutes(r chi.Router) {
	if s.Integrations == nil {
		return
	}
	r.Get("/api-keys", s.apiKeysPage)
	r.Post("/api-keys", s.createAPIKey)
	r.Post("/api-keys/{id}/revoke", s.revokeAPIKey)
	r.Get("/webhooks", s.webhooksPage)
	r.Post("/webhooks", s.addWebhook)
	r.Get("/webhooks/{id}", s.webhookPage)
	r.Post("/webhooks/{id}/replay", s.replayWebhook)
	r.Post("/webhooks/{id}/enable", s.enableWebhook)
	r.Post("/webhooks/{id}/remove", s.removeWebhook)
}

type apiKeysData struct {
	Keys   []store.APIKey
	Scopes []string
	New    string // the key just made, shown this once
	Name   string
}

func (s *Server) apiKeysPage(w http.ResponseWriter, r *http.Request) {
	s.showAPIKeys(w, r, http.StatusOK, "", "", "")
}

func (s *Server) showAPIKeys(w http.ResponseWriter, r *http.Request, status int, newKey, flash, problem string) {
	keys, err := s.DB.APIKeys(r.Context())
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &apiKeysData{Keys: keys, Scopes: apikey.Scopes(), New: newKey, Name: r.PostFormValue("name")}
	s.adminRender(w, r, status, "apikeys", &adminPage{Title: "API keys", Section: "integrations", Flash: flash, Error: problem, Data: d})
}

func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	if name == "" || len(name) > 100 {
		s.showAPIKeys(w, r, http.StatusUnprocessableEntity, "", "", "Give the key a name of 1 to 100 characters, such as the tool that will use it.")
		return
	}
	scopes, err := apikey.ParseScopes(strings.Join(r.PostForm["scope"], ","))
	if err != nil || len(r.PostForm["scope"]) == 0 {
		s.showAPIKeys(w, r, http.StatusUnprocessableEntity, "", "", "Choose at least one scope.")
		return
	}
	key := apikey.New()
	k, err := s.DB.CreateAPIKey(r.Context(), name, key.Prefix, key.Hash, scopes, s.Now())
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.logger(r).Info("admin: API key created", "key", k.ID, "name", k.Name, "scopes", strings.Join(k.Scopes, " "))
	s.showAPIKeys(w, r, http.StatusOK, key.Secret, "", "")
}

func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	k, err := s.DB.RevokeAPIKey(r.Context(), strconv.FormatInt(id, 10), s.Now())
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.logger(r).Info("admin: API key revoked", "key", k.ID, "name", k.Name)
	s.showAPIKeys(w, r, http.StatusOK, "", fmt.Sprintf("The key %q is revoked: requests with it are refused from now on.", k.Name), "")
}

type webhooksData struct {
	Endpoints []store.Endpoint
	Types     []string
	Backlog   int
	NewSecret string // shown this once
	NewID     int64
	URL       string
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	s.showWebhooks(w, r, http.StatusOK, &webhooksData{}, "", "")
}

func (s *Server) showWebhooks(w http.ResponseWriter, r *http.Request, status int, d *webhooksData, flash, problem string) {
	var err error
	hooks := s.Integrations.Webhooks
	if d.Endpoints, err = hooks.Endpoints(r.Context()); err != nil {
		s.adminFail(w, r, err)
		return
	}
	if d.Backlog, err = hooks.Backlog(r.Context()); err != nil {
		s.adminFail(w, r, err)
		return
	}
	d.Types = webhook.EventTypes()
	s.adminRender(w, r, status, "webhooks", &adminPage{Title: "Webhooks", Section: "integrations", Flash: flash, Error: problem, Data: d})
}

func (s *Server) addWebhook(w http.ResponseWriter, r *http.Request) {
	url := strings.TrimSpace(r.PostFormValue("url"))
	d := &webhooksData{URL: url}
	if err := webhook.ValidateURL(url, s.Integrations.AllowPrivate); err != nil {
		s.showWebhooks(w, r, http.StatusUnprocessableEntity, d, "", strings.TrimPrefix(err.Error(), "webhook: "))
		return
	}
	types, err := webhook.ParseEventTypes(strings.Join(r.PostForm["event"], ","))
	if err != nil {
		s.showWebhooks(w, r, http.StatusUnprocessableEntity, d, "", "Choose at least one event.")
		return
	}
	secret := webhook.NewSecret()
	if d.NewID, err = s.Integrations.Webhooks.AddEndpoint(r.Context(), url, secret, types); err != nil {
		s.adminFail(w, r, err)
		return
	}
	d.NewSecret, d.URL = string(secret), ""
	s.showWebhooks(w, r, http.StatusOK, d, "", "")
}

// webhookAttemptsShown is how many recent attempts an endpoint's page lists.
const webhookAttemptsShown = 50

type webhookData struct {
	Endpoint store.Endpoint
	Attempts []attemptRow
}

type attemptRow struct {
	webhook.Attempt
	Latency string
}

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request) {
	s.showWebhook(w, r, http.StatusOK, "", "")
}

func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request, status int, flash, problem string) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	ep, err := s.Integrations.Webhooks.Endpoint(r.Context(), id)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	atts, err := s.Integrations.Webhooks.RecentAttempts(r.Context(), id, webhookAttemptsShown)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := &webhookData{Endpoint: ep}
	for _, a := range atts {
		d.Attempts = append(d.Attempts, attemptRow{Attempt: a, Latency: a.Latency.Round(time.Millisecond).String()})
	}
	s.adminRender(w, r, status, "webhook", &adminPage{Title: "Webhook endpoint " + strconv.FormatInt(id, 10), Section: "integrations",
		Flash: flash, Error: problem, Data: d})
}

func (s *Server) replayWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	event := strings.TrimSpace(r.PostFormValue("event"))
	switch err := s.Integrations.Replay(r.Context(), event, id); {
	case err == nil:
		s.showWebhook(w, r, http.StatusOK, "Event "+event+" is due again to this endpoint, with the same webhook-id.", "")
	case isWebhookRefusal(err):
		s.showWebhook(w, r, http.StatusConflict, "", strings.TrimPrefix(err.Error(), "webhook: "))
	default:
		s.adminFail(w, r, err)
	}
}

// isWebhookRefusal reports the outbox's refusals of a replay, which the
// operator can act on.
func isWebhookRefusal(err error) bool {
	for _, e := range []error{webhook.ErrNotFound, webhook.ErrEndpointDisabled, webhook.ErrInFlight} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func (s *Server) enableWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	if err := s.Integrations.Webhooks.SetEndpointEnabled(r.Context(), id, true, s.Now()); err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.showWebhook(w, r, http.StatusOK, "The endpoint is enabled: its pending deliveries are sent again.", "")
}

func (s *Server) removeWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := readerID(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	if err := s.Integrations.Webhooks.RemoveEndpoint(r.Context(), id); err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.showWebhooks(w, r, http.StatusOK, &webhooksData{}, fmt.Sprintf("Endpoint %d is removed, with its pending deliveries.", id), "")
}

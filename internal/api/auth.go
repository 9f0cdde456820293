package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Scopes as the routes need them.
const (
	scopeRead    = apikey.SubscribersRead
	scopeWrite   = apikey.SubscribersWrite
	scopeCourses = apikey.CoursesRead
)

// touchEvery is how often a key's last use is written: once a minute is
// enough to show it, and costs a busy key one write a minute.
const touchEvery = time.Minute

type keyCtx struct{}

// keyOf is the key the request was authenticated with.
func keyOf(ctx context.Context) store.APIKey {
	k, _ := ctx.Value(keyCtx{}).(store.APIKey)
	return k
}

// authenticate checks the bearer key: well formed, known, not revoked,
// and matching its stored hash. Every failure gets the same 401 words
// but one, so a caller learns only what it needs to fix its own key.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, p := s.keyFor(r)
		if p != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="dripcourse", error="invalid_token"`)
			writeProblem(w, p)
			return
		}
		if err := s.DB.TouchAPIKey(r.Context(), k.ID, s.Now(), touchEvery); err != nil {
			s.logger(r.Context()).Warn("api: recording a key's use", "key", k.Name, "err", err)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyCtx{}, k)))
	})
}

func (s *Server) keyFor(r *http.Request) (store.APIKey, *Problem) {
	auth := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return store.APIKey{}, problem(http.StatusUnauthorized, "unauthorized", "send Authorization: Bearer KEY")
	}
	secret = strings.TrimSpace(secret)
	prefix, err := apikey.PrefixOf(secret)
	if err != nil {
		return store.APIKey{}, problem(http.StatusUnauthorized, "unauthorized", "the key is not a dripcourse API key")
	}
	k, hash, err := s.DB.APIKeyByPrefix(r.Context(), prefix)
	if errors.Is(err, drip.ErrNotFound) || (err == nil && !apikey.Match(secret, hash)) {
		return store.APIKey{}, problem(http.StatusUnauthorized, "unauthorized", "the key is not known")
	}
	if err != nil {
		return store.APIKey{}, problem(http.StatusServiceUnavailable, "unavailable", "the key cannot be checked just now; retry shortly")
	}
	if k.Revoked() {
		return store.APIKey{}, problem(http.StatusUnauthorized, "unauthorized", "the key was revoked")
	}
	return k, nil
}

// need refuses a key without scope.
func need(scope string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !slices.Contains(keyOf(r.Context()).Scopes, scope) {
				writeProblem(w, problem(http.StatusForbidden, "forbidden", "this endpoint needs a key with the scope "+scope))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

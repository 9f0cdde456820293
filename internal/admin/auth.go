package admin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

const (
	adminCookie = "dripcourse_admin"
	// AdminSessionLife is how long a login lasts, whatever is done with it.
	AdminSessionLife = 12 * time.Hour
)

// A session is a random ID, signed into an expiring token.Admin cookie.
// The database keeps only the ID's hash, so logging out (or a new
// password) ends a session for good, and a copy of the database opens
// none.
func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// adminSession returns the hash of the request's valid session ID, or ""
// when the request has no valid session.
func (s *Server) adminSession(r *http.Request) (string, error) {
	c, err := r.Cookie(adminCookie)
	if err != nil {
		return "", nil
	}
	claims, err := s.Links.Signer().Verify(c.Value, token.Admin, s.Now())
	if err != nil || claims.Data == "" {
		return "", nil
	}
	h := sessionHash(claims.Data)
	ok, err := s.DB.AdminSession(r.Context(), h, s.Now())
	if err != nil || !ok {
		return "", err
	}
	return h, nil
}

// requireAdmin sends a request without a valid session to the login page.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := s.adminSession(r)
		if err != nil {
			s.adminFail(w, r, err)
			return
		}
		if h == "" {
			target := "/admin/login"
			if r.Method == http.MethodGet {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusFound)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, h)))
	})
}

// sessionKey marks, in a request's context, that requireAdmin found a
// valid session.
type sessionKey struct{}

// signedIn reports whether the request comes with a valid session: the
// admin's menu is shown only then, never on the login page.
func (s *Server) signedIn(r *http.Request) bool {
	if _, ok := r.Context().Value(sessionKey{}).(string); ok {
		return true
	}
	h, err := s.adminSession(r)
	return err == nil && h != ""
}

// safeNext keeps the after-login redirect inside the admin pages, so the
// login form is no open redirect.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(next, "\\\r\n") ||
		(u.Path != "/admin" && !strings.HasPrefix(u.Path, "/admin/")) || strings.HasPrefix(u.Path, "/admin/login") {
		return "/admin"
	}
	return u.RequestURI()
}

type loginData struct{ Next string }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if h, _ := s.adminSession(r); h != "" {
		http.Redirect(w, r, "/admin", http.StatusFound)
		return
	}
	s.adminRender(w, r, http.StatusOK, "login", &adminPage{Title: "Log in", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login checks the password. Every attempt is counted before the password
// is looked at (countLogin); past the limit every attempt is refused
// unchecked. Password checks (argon2id, 19 MiB each) also run at most a
// few at a time, so a flood of logins cannot exhaust memory.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	device := s.deviceOf(r)
	if no := s.countLogin(w, r, device); no.status != 0 {
		s.refuseLogin(w, r, no, next)
		return
	}
	release, ok := s.checkSlot(r, device != "")
	if !ok {
		s.refuseLogin(w, r, loginRefusal{http.StatusTooManyRequests, 5 * time.Second,
			"The server is busy checking other logins. Please try again in a few seconds."}, next)
		return
	}
	defer release()
	hash, ok, err := s.DB.Setting(r.Context(), store.KeyAdminPasswordHash)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	ip := middleware.GetClientIP(r.Context())
	if !ok || !CheckPassword(hash, r.PostFormValue("password")) {
		s.logger(r).Warn("admin login failed", "ip", ip, "known_browser", device != "")
		msg := "That password is not right."
		if !ok {
			msg = "No admin password is set up yet. Set DRIP_ADMIN_PASSWORD, or see the server's log from its first start."
		}
		s.adminRender(w, r, http.StatusUnauthorized, "login", &adminPage{Title: "Log in", Error: msg, Data: loginData{Next: next}})
		return
	}
	if err := s.startSession(w, r); err != nil {
		s.adminFail(w, r, err)
		return
	}
	s.rememberDevice(w)
	s.logger(r).Info("admin login", "ip", ip, "known_browser", device != "")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkSlot waits for a turn to check a password. A browser that has
// logged in before (known) has a check kept for it, so a flood of logins
// from elsewhere delays the operator by one check at most; others queue,
// boundedly. It reports false when no turn came.
func (s *Server) checkSlot(r *http.Request, known bool) (release func(), ok bool) {
	slots := s.logins.checking
	if known {
		slots = s.logins.known
	} else if s.logins.waiting.Add(1) > maxLoginWaiters {
		s.logins.waiting.Add(-1)
		return nil, false
	} else {
		defer s.logins.waiting.Add(-1)
	}
	wait := time.NewTimer(loginWait)
	defer wait.Stop()
	select {
	case slots <- struct{}{}:
		return func() { <-slots }, true
	case <-wait.C:
	case <-r.Context().Done():
	}
	return nil, false
}

// deviceCookie marks a browser that has logged in before. It grants
// nothing but a place at the head of the queue for the password check,
// and a count of login attempts of its own (countLogin).
const (
	deviceCookie = "dripcourse_admin_device"
	deviceLife   = 180 * 24 * time.Hour
)

// rememberDevice marks the browser with a device cookie of its own: a
// random ID, so each browser's login attempts are counted apart.
func (s *Server) rememberDevice(w http.ResponseWriter) {
	tok := s.Links.Signer().Sign(token.Claims{Purpose: token.AdminDevice, Expires: s.Now().Add(deviceLife), Data: rand.Text()})
	c := s.sessionCookie(tok, int(deviceLife.Seconds()))
	c.Name = deviceCookie
	http.SetCookie(w, c)
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request) error {
	id := rand.Text()
	now := s.Now()
	exp := now.Add(AdminSessionLife)
	if err := s.DB.CreateAdminSession(r.Context(), sessionHash(id), exp, now); err != nil {
		return err
	}
	tok := s.Links.Signer().Sign(token.Claims{Purpose: token.Admin, Expires: exp, Data: id})
	http.SetCookie(w, s.sessionCookie(tok, int(AdminSessionLife.Seconds())))
	return nil
}

// sessionCookie is the admin cookie: for /admin only, out of scripts'
// reach, not sent on cross-site subrequests, and https-only when the site
// is.
func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: adminCookie, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: s.Links.Secure(), SameSite: http.SameSiteLaxMode}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	h, err := s.adminSession(r)
	if err == nil && h != "" {
		err = s.DB.EndAdminSession(r.Context(), h)
	}
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	http.SetCookie(w, s.sessionCookie("", -1))
	http.Redirect(w, r, "/admin/login?done=logout", http.StatusSeeOther)
}

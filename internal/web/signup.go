package web

import (
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// Limits on what the signup form accepts.
const (
	maxEmail = 254 // RFC 5321 path limit
	maxLocal = 64
	maxName  = 80
	maxZone  = 64
	formLife = 24 * time.Hour
)

func (s *Server) coursePage(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "course", &render.Page{Title: "Sign up", Started: s.formStamp()})
}

// formStamp signs the moment the form was shown, so a submission can prove
// a person had time to read it.
func (s *Server) formStamp() string {
	return s.Links.Signer().Sign(token.Claims{Purpose: token.Form, Expires: s.Now().Add(formLife)})
}

// human reports whether a submission passed the bot checks: an empty
// honeypot, and a form shown at least MinFormTime ago (and not over a day).
func (s *Server) human(r *http.Request) bool {
	if r.PostFormValue("website") != "" {
		return false
	}
	c, err := s.Links.Signer().Verify(r.PostFormValue("started"), token.Form, s.Now())
	if err != nil {
		return false
	}
	shown := c.Expires.Add(-formLife)
	return s.Now().Sub(shown) >= s.MinFormTime
}

// SignupForm is a parsed, cleaned signup submission.
type SignupForm struct {
	Email, Name, Timezone string
}

// ParseSignup cleans and validates the form's fields. It returns the form
// as it should be shown again, and a message for the reader when the
// address is not usable.
func ParseSignup(email, name, tz string) (SignupForm, string) {
	f := SignupForm{Email: strings.TrimSpace(email), Name: cleanName(name), Timezone: strings.TrimSpace(tz)}
	if len(f.Timezone) > maxZone || !validZone(f.Timezone) {
		f.Timezone = ""
	}
	if len(f.Email) > maxEmail {
		f.Email = f.Email[:maxEmail]
		return f, "That email address is too long."
	}
	if f.Email == "" {
		return f, "Please enter your email address."
	}
	addr, err := mail.ParseAddress(f.Email)
	if err != nil || addr.Address != f.Email || addr.Name != "" {
		return f, "That doesn't look like an email address. Please check it and try again."
	}
	local, domain, _ := strings.Cut(addr.Address, "@")
	if len(local) > maxLocal || !strings.Contains(strings.Trim(domain, "."), ".") || strings.ContainsAny(domain, "[]") {
		return f, "That doesn't look like an email address. Please check it and try again."
	}
	return f, ""
}

// cleanName keeps a name to one short line of printable text: line breaks
// and control characters become spaces, so nothing typed here can reach a
// mail header as anything but the name.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxName {
		s = string([]rune(s)[:maxName])
	}
	return s
}

func validZone(name string) bool {
	if name == "" {
		return false
	}
	return schedule.Zone(name, nil) != nil
}

// sameSite refuses signups that a browser posts from another site: a page
// elsewhere could otherwise make each of its visitors sign up an address,
// from as many addresses as it has visitors. (Forms and scripts without a
// browser's Origin and Sec-Fetch-Site headers are left to the rate limit.)
func (s *Server) sameSite(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.logger(r).Info("signup from another site refused", "origin", r.Header.Get("Origin"))
		s.errorPage(w, r, http.StatusForbidden, "Please sign up on the course page itself.")
	}))
	return cop.Handler(next)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	f, problem := ParseSignup(r.PostFormValue("email"), r.PostFormValue("name"), r.PostFormValue("tz"))
	if problem != "" {
		s.page(w, r, http.StatusUnprocessableEntity, "course", &render.Page{Title: "Sign up", Email: f.Email, Name: f.Name,
			Timezone: f.Timezone, Error: problem, Started: s.formStamp()})
		return
	}
	if !s.human(r) {
		// Bots get the same page as people, and nothing happens.
		s.logger(r).Info("signup dropped by bot check")
		s.checkInbox(w, r)
		return
	}
	if f.Timezone == "" {
		f.Timezone = s.content().Course.Timezone.String()
	}
	_, err := s.DB.Subscribe(r.Context(), store.Signup{Email: f.Email, Name: f.Name, Timezone: f.Timezone, At: s.Now(),
		MaxConfirmations: s.MaxConfirmations, ConfirmWindow: s.ConfirmWindow})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Metrics.Reader(drip.EventSignup)
	s.checkInbox(w, r)
}

// checkInbox is the one answer to every valid signup, so the form never
// tells anyone whether an address was already on the list.
func (s *Server) checkInbox(w http.ResponseWriter, r *http.Request) {
	s.page(w, r, http.StatusOK, "check-inbox", &render.Page{Title: "Check your inbox"})
}

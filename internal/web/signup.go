package web

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/course"
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

// formStamp signs the moment the form was shown, so a submission can prove
// a person had time to read it.
func (s *Server) formStamp() string {
	return s.Links.Signer().Sign(token.Claims{Purpose: token.Form, Expires: s.Now().Add(formLife)})
}

// formVerdict is what the bot checks make of a submission.
type formVerdict int

const (
	formHuman   formVerdict = iota
	formBot                 // a filled honeypot, or a stamp we never signed
	formTooFast             // sent sooner than MinFormTime after the form was shown
	formStale               // the form was shown more than formLife ago
)

// judge runs the bot checks: an empty honeypot, and a form shown at least
// MinFormTime ago and not over formLife. A browser that fills the form in
// by itself can be quicker than any bot check allows, and a tab can stay
// open for days: those two get the form back, filled in, to send again.
func (s *Server) judge(r *http.Request) formVerdict {
	if r.PostFormValue("website") != "" {
		return formBot
	}
	c, err := s.Links.Signer().Verify(r.PostFormValue("started"), token.Form, s.Now())
	switch {
	case errors.Is(err, token.ErrExpired):
		return formStale
	case err != nil:
		return formBot
	}
	if shown := c.Expires.Add(-formLife); s.Now().Sub(shown) < s.MinFormTime {
		return formTooFast
	}
	return formHuman
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
	const notAnAddress = "That doesn't look like an email address. Please check it and try again."
	addr, err := mail.ParseAddress(f.Email)
	if err != nil || addr.Address != f.Email || addr.Name != "" {
		return f, notAnAddress
	}
	local, domain, _ := strings.Cut(addr.Address, "@")
	if len(local) > maxLocal || !strings.Contains(strings.Trim(domain, "."), ".") || strings.ContainsAny(domain, "[]") {
		return f, notAnAddress
	}
	canonical, err := store.CanonicalEmail(f.Email)
	if err != nil {
		return f, notAnAddress
	}
	f.Email = canonical
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

// subscribe is /subscribe: the form of the default course.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	s.signup(w, r, s.content().Default())
}

// subscribeCourse is /courses/{slug}/subscribe.
func (s *Server) subscribeCourse(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.routeCourse(w, r); ok {
		s.signup(w, r, c)
	}
}

// signup takes the form of course c.
func (s *Server) signup(w http.ResponseWriter, r *http.Request, c *course.Course) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, err)
		return
	}
	if c.Closed(s.Now()) {
		s.closedPage(w, r, c)
		return
	}
	f, problem := ParseSignup(r.PostFormValue("email"), r.PostFormValue("name"), r.PostFormValue("tz"))
	if problem != "" {
		s.signupForm(w, r, http.StatusUnprocessableEntity, c, f, &render.Page{Error: problem})
		return
	}
	switch s.judge(r) {
	case formBot:
		// Bots get the same page as people, and nothing happens.
		s.logger(r).Info("signup dropped by bot check")
		s.checkInbox(w, r, c)
		return
	case formTooFast:
		s.logger(r).Info("signup sent sooner than the least form time: the form is shown again")
		s.signupForm(w, r, http.StatusOK, c, f, &render.Page{Title: "Please try again",
			Message: "That was quicker than we expected, so nothing has been sent yet. Please check your details and press the button again."})
		return
	case formStale:
		s.logger(r).Info("signup from a form shown over a day ago: the form is shown again")
		s.signupForm(w, r, http.StatusOK, c, f, &render.Page{Title: "Please try again",
			Message: "This form had been open a long time, so nothing has been sent yet. Please check your details and press the button again."})
		return
	}
	s.keepSignup(w, r, c, f)
}

// signupForm shows course c's form again with what the reader typed, a
// fresh stamp, and p's error or message.
func (s *Server) signupForm(w http.ResponseWriter, r *http.Request, status int, c *course.Course, f SignupForm, p *render.Page) {
	p.Email, p.Name, p.Timezone, p.Started = f.Email, f.Name, f.Timezone, s.formStamp()
	p.Course = s.courseInfo(c)
	if p.Title == "" {
		p.Title = "Sign up"
	}
	s.page(w, r, status, "course", p)
}

// keepSignup stores a person's signup for course c and answers "check
// your inbox", whatever became of it.
func (s *Server) keepSignup(w http.ResponseWriter, r *http.Request, c *course.Course, f SignupForm) {
	if f.Timezone == "" {
		f.Timezone = c.Timezone.String()
	}
	res, err := s.DB.Subscribe(r.Context(), store.Signup{Email: f.Email, Name: f.Name, Timezone: f.Timezone, Course: c.Slug, At: s.Now(),
		MaxConfirmations: s.MaxConfirmations, ConfirmWindow: s.ConfirmWindow, MaxPerHour: s.MaxConfirmationsPerHour})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if res.Held && s.capLog.due("held", s.Now()) {
		s.logger(r).Warn("confirmation emails have reached DRIP_MAX_CONFIRMATIONS_PER_HOUR: signups are kept, their confirmations are not sent (logged once a minute)",
			"cap", s.MaxConfirmationsPerHour)
	}
	s.Metrics.Reader(drip.EventSignup, c.Slug)
	s.checkInbox(w, r, c)
}

// checkInbox is the one answer to every valid signup, so the form never
// tells anyone whether an address was already on the list.
func (s *Server) checkInbox(w http.ResponseWriter, r *http.Request, c *course.Course) {
	s.page(w, r, http.StatusOK, "check-inbox", &render.Page{Title: "Check your inbox", Course: s.courseInfo(c)})
}

package web

import (
	"net/http"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Limits on what the signup form accepts.
const (
	maxEmail = 254 // RFC 5321 path limit
	maxLocal = 64
	maxName  = 80
	maxZone  = 64
	formLife = 24 * time.Hour
)

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

// signup takes the form of course c, from this site's page, the embed
// page, or a trusted origin's page or script.
func (s *Server) signup(w http.ResponseWriter, r *http.Request, c *course.Course) {
	if err := parseSignupBody(r); err != nil {
		s.badBody(w, r, err)
		return
	}
	if c.Closed(s.Now()) {
		s.closedSignup(w, r, c)
		return
	}
	f, problem := ParseSignup(r.PostFormValue("email"), r.PostFormValue("name"), r.PostFormValue("tz"))
	if problem != "" {
		s.refuse(w, r, c, f, &refusal{status: http.StatusUnprocessableEntity, word: "invalid", field: "email", msg: problem})
		return
	}
	verdict, uses := s.judge(r)
	if verdict == formBot {
		// Bots get the same answer as people, and nothing happens.
		s.logger(r).Info("signup dropped by bot check")
		s.signedUp(w, r, c)
		return
	}
	if ref, again := stampRefusals[verdict]; again {
		s.logger(r).Info("signup sent too soon after the form was shown, or over a day after: the form is shown again")
		s.refuse(w, r, c, f, &ref)
		return
	}
	solved, ref := s.checkCaptcha(r)
	if ref != nil {
		s.refuse(w, r, c, f, ref)
		return
	}
	s.keepSignup(w, r, c, f, append(solved, uses...))
}

// keepSignup stores a person's signup for course c, spending its one-use
// values, and answers "check your inbox", whatever became of it.
func (s *Server) keepSignup(w http.ResponseWriter, r *http.Request, c *course.Course, f SignupForm, uses []store.OneUse) {
	if f.Timezone == "" {
		f.Timezone = c.Timezone.String()
	}
	res, err := s.DB.Subscribe(r.Context(), store.Signup{Email: f.Email, Name: f.Name, Timezone: f.Timezone, Course: c.Slug, At: s.Now(),
		MaxConfirmations: s.MaxConfirmations, ConfirmWindow: s.ConfirmWindow, MaxPerHour: s.MaxConfirmationsPerHour, OneUse: uses})
	if err != nil {
		s.failSignup(w, r, err)
		return
	}
	if res.Replayed {
		s.logger(r).Info("signup refused: its captcha solution or form stamp was used before")
		s.refuse(w, r, c, f, &formReplayed)
		return
	}
	if res.Held && s.capLog.due("held", s.Now()) {
		s.logger(r).Warn("confirmation emails have reached DRIP_MAX_CONFIRMATIONS_PER_HOUR: signups are kept, their confirmations are not sent (logged once a minute)",
			"cap", s.MaxConfirmationsPerHour)
	}
	s.Metrics.Reader(drip.EventSignup, c.Slug)
	s.signedUp(w, r, c)
}

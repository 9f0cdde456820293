package web

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/dripcourse/dripcourse/internal/captcha"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// The layers of bot checks a signup goes through, each adding to the
// others: the honeypot, the signed start stamp (on forms this site
// served), the captcha (when on), then the per-IP limit, the per-inbox cap
// and the hourly cap of confirmation emails. The stamp and the captcha
// solution are each accepted once: the store spends them in the signup's
// own transaction.

// formStamp signs the moment the form was shown, with a nonce that makes
// the stamp single-use.
func (s *Server) formStamp() string {
	var nonce [12]byte
	rand.Read(nonce[:])
	return s.Links.Signer().Sign(token.Claims{Purpose: token.Form, Expires: s.Now().Add(formLife),
		Data: base64.RawURLEncoding.EncodeToString(nonce[:])})
}

// formVerdict is what the bot checks make of a submission.
type formVerdict int

const (
	formHuman   formVerdict = iota
	formBot                 // a filled honeypot, or a stamp we never signed
	formTooFast             // sent sooner than MinFormTime after the form was shown
	formStale               // the form was shown more than formLife ago
)

// judge runs the bot checks of the form itself: an empty honeypot, and a
// form shown at least MinFormTime ago and not over formLife, whose stamp
// is returned to be spent. A browser that fills the form in by itself can
// be quicker than any bot check allows, and a tab can stay open for days:
// those two get the form back, filled in, to send again. A form on a
// trusted origin's page has no stamp (it was not served here), and needs
// none: the captcha stands in for it.
func (s *Server) judge(r *http.Request) (formVerdict, []store.OneUse) {
	if r.PostFormValue("website") != "" {
		return formBot, nil
	}
	stamp := r.PostFormValue("started")
	if stamp == "" && s.trusted.of(r) != "" {
		return formHuman, nil
	}
	c, err := s.Links.Signer().Verify(stamp, token.Form, s.Now())
	switch {
	case errors.Is(err, token.ErrExpired):
		return formStale, nil
	case err != nil:
		return formBot, nil
	case c.Data == "":
		return formStale, nil // a stamp from before stamps were single-use
	}
	if shown := c.Expires.Add(-formLife); s.Now().Sub(shown) < s.MinFormTime {
		return formTooFast, nil
	}
	return formHuman, []store.OneUse{{Key: "stamp:" + c.Data, Until: c.Expires}}
}

// refusal is a signup turned away, with what to tell the reader.
type refusal struct {
	status int    // of the JSON answer, and of the page unless retry
	word   string // formAnswer.Status: invalid, retry, refused
	field  string // the form field at fault
	title  string // the page's heading, for a refusal not about the address
	msg    string
}

// Captcha refusals, for the reader.
var (
	needsScript = refusal{status: http.StatusForbidden, word: "refused", field: "altcha", title: "JavaScript is needed to sign up",
		msg: "This form asks your browser to do a short calculation that shows a person is sending it, and that needs JavaScript, which is off or blocked here. Please turn it on for this page and send the form again. Nothing has been sent yet."}
	captchaExpired = refusal{status: http.StatusConflict, word: "retry", field: "altcha", title: "Please try again",
		msg: "This form had been open a long time, so nothing has been sent yet. Please check your details and press the button again."}
	captchaFailed = refusal{status: http.StatusForbidden, word: "refused", field: "altcha", title: "Please try again",
		msg: "The check that a person is sending this form did not pass, so nothing has been sent. Please reload the page and send the form again."}
	formReplayed = refusal{status: http.StatusConflict, word: "retry", field: "altcha", title: "Please try again",
		msg: "This form had been sent once already, so nothing has been sent now. Please check your details and press the button again."}
)

// stampRefusals answer a form sent too soon after it was shown, or too
// long after: the reader gets it back, filled in, to send again.
var stampRefusals = map[formVerdict]refusal{
	formTooFast: {status: http.StatusConflict, word: "retry", field: "started", title: "Please try again",
		msg: "That was quicker than we expected, so nothing has been sent yet. Please check your details and press the button again."},
	formStale: {status: http.StatusConflict, word: "retry", field: "started", title: "Please try again",
		msg: "This form had been open a long time, so nothing has been sent yet. Please check your details and press the button again."},
}

// checkCaptcha checks the form's captcha solution when the captcha is on,
// and returns it to be spent with the signup.
func (s *Server) checkCaptcha(r *http.Request) ([]store.OneUse, *refusal) {
	if s.Captcha == nil {
		return nil, nil
	}
	sol, err := s.Captcha.Check(r.PostFormValue("altcha"))
	switch {
	case err == nil:
		return []store.OneUse{{Key: "altcha:" + sol.Key, Until: sol.Until}}, nil
	case errors.Is(err, captcha.ErrMissing):
		return nil, &needsScript
	case errors.Is(err, captcha.ErrExpired):
		return nil, &captchaExpired
	}
	s.logger(r).Info("signup refused: captcha", "err", err)
	return nil, &captchaFailed
}

// challengePath is where forms fetch captcha challenges; "" when it is off.
func (s *Server) challengePath() string {
	if s.Captcha == nil {
		return ""
	}
	return ChallengePath
}

// The captcha's routes.
const (
	ChallengePath = "/captcha/challenge"
	ScriptPath    = "/captcha/altcha.js"
)

// challenge serves a fresh challenge, readable by trusted origins' scripts.
func (s *Server) challenge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.corsHeaders(w, r)
		next.ServeHTTP(w, r)
	})
}

package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// A signup sent by a script (fetch with Accept: application/json) gets a
// JSON answer instead of a page: {"status":"check-inbox"} when it is
// taken, or a status, a message for the reader, and the field at fault.

// formAnswer is the JSON answer to a signup.
type formAnswer struct {
	// Status is check-inbox (taken), invalid (a field is wrong: see
	// Errors), retry (send the form again: a fresh captcha or stamp is
	// needed), refused (the captcha or the origin), or closed (the course
	// takes no new readers).
	Status  string            `json:"status"`
	Message string            `json:"message,omitempty"`
	Errors  map[string]string `json:"errors,omitempty"` // by form field name
}

// wantsJSON says whether the client asked for JSON rather than a page.
func wantsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "application/json" || mt == "application/problem+json") {
			return true
		}
	}
	return false
}

func (s *Server) answerJSON(w http.ResponseWriter, status int, a formAnswer) {
	body, _ := json.Marshal(a) // strings only: cannot fail
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// errBodyType is a signup body that is neither a form nor JSON.
var errBodyType = errors.New("web: send the signup as application/x-www-form-urlencoded, multipart/form-data or application/json")

// parseSignupBody reads the fields of a signup into r.PostForm, whichever
// way a form or a script sent them: URL-encoded, multipart (fetch with
// FormData), or a flat JSON object of strings.
func parseSignupBody(r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		return r.ParseMultipartForm(MaxBody)
	case "application/json":
		return parseJSONBody(r)
	case "", "application/x-www-form-urlencoded":
		return r.ParseForm()
	}
	return errBodyType
}

func parseJSONBody(r *http.Request) error {
	var fields map[string]string
	if err := json.NewDecoder(r.Body).Decode(&fields); err != nil {
		return fmt.Errorf("%w: the JSON body is not one object of strings (%v)", errBodyType, err)
	}
	r.PostForm = url.Values{}
	for k, v := range fields {
		r.PostForm.Set(k, v)
	}
	r.Form = r.PostForm
	return nil
}

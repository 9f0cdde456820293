// Package links makes the public URLs that dripcourse puts in emails and
// pages, each carrying a signed token. It is the one place that knows both
// the path of each action and how long its links stay valid, so the web
// layer's routes and the emails' links can never drift apart.
package links

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/token"
)

// Paths of the signed routes; the web layer mounts its handlers on these,
// followed by "/{token}".
const (
	PathConfirm     = "/confirm"
	PathUnsubscribe = "/u"
	PathResubscribe = "/resubscribe"
	PathOpen        = "/o"
	PathClick       = "/c"
	PathView        = "/v"
	PathNext        = "/next"
	PathPause       = "/pause"
	PathEnroll      = "/enroll"
	// PathCourses is where each course's page is, at PathCourses/{slug};
	// its form posts to PathCourses/{slug}/subscribe.
	PathCourses = "/courses"
)

// CoursePath is the page of the course with slug.
func CoursePath(slug string) string { return PathCourses + "/" + slug }

// SignupPath is where the form of the course with slug posts.
func SignupPath(slug string) string { return CoursePath(slug) + "/subscribe" }

// TestReader is the reader of the links in test messages (the admin's
// "Send me a test"): an ID no reader ever has, since IDs start at 1. The
// public pages answer its links with a page that says the message was a
// test, instead of looking for a reader who does not exist.
const TestReader int64 = 0

// Lifetimes of each kind of link. Confirmation links are short-lived by
// design; links in lessons must outlive the course by a wide margin, since
// readers keep emails and unsubscribe from old ones. The undo of an
// unsubscribe is only ever on the page that answered it (UndoPath), for
// the reader who just pressed the button to change their mind.
var Lifetime = map[token.Purpose]time.Duration{
	token.Confirm:     7 * 24 * time.Hour,
	token.Unsubscribe: 2 * 365 * 24 * time.Hour,
	token.Resubscribe: UndoLifetime,
	token.Open:        365 * 24 * time.Hour,
	token.Click:       365 * 24 * time.Hour,
	token.View:        365 * 24 * time.Hour,
	token.Next:        90 * 24 * time.Hour,
	token.Pause:       90 * 24 * time.Hour,
	token.Enroll:      365 * 24 * time.Hour,
}

// UndoLifetime is how long the undo of an unsubscribe works.
const UndoLifetime = 15 * time.Minute

var paths = map[token.Purpose]string{
	token.Confirm: PathConfirm, token.Unsubscribe: PathUnsubscribe, token.Resubscribe: PathResubscribe,
	token.Open: PathOpen, token.Click: PathClick, token.View: PathView, token.Next: PathNext, token.Pause: PathPause,
	token.Enroll: PathEnroll,
}

// Maker builds signed URLs under one base URL.
type Maker struct {
	base   string
	signer *token.Signer
}

// NewMaker returns a Maker for base, such as https://course.example.com.
func NewMaker(base string, signer *token.Signer) *Maker {
	return &Maker{base: strings.TrimRight(base, "/"), signer: signer}
}

// Base is the site's base URL, without a trailing slash.
func (m *Maker) Base() string { return m.base }

// Signer is the token signer behind the links.
func (m *Maker) Signer() *token.Signer { return m.signer }

// URL returns the absolute link for purpose, for reader sub and delivery
// del (0 for links not tied to a lesson), valid from now.
func (m *Maker) URL(p token.Purpose, sub, del int64, now time.Time) string {
	return m.base + m.Path(p, sub, del, now)
}

// Path is URL without the base, for forms on our own pages.
func (m *Maker) Path(p token.Purpose, sub, del int64, now time.Time) string {
	tok := m.signer.Sign(token.Claims{Purpose: p, Subscriber: sub, Delivery: del, Expires: now.Add(Lifetime[p])})
	return paths[p] + "/" + tok
}

// ConfirmURL is the link of a confirmation email for course: confirming
// it starts that course. (A confirm link without a course, as made before
// there were several, means the default course.)
func (m *Maker) ConfirmURL(sub int64, course string, now time.Time) string {
	return m.base + m.dataPath(token.Confirm, sub, course, now)
}

// EnrollURL is a reader's own link that enrolls them in course without
// another confirmation: holding it proves the address.
func (m *Maker) EnrollURL(sub int64, course string, now time.Time) string {
	return m.base + m.dataPath(token.Enroll, sub, course, now)
}

// EnrollPath is EnrollURL without the base, for our own pages.
func (m *Maker) EnrollPath(sub int64, course string, now time.Time) string {
	return m.dataPath(token.Enroll, sub, course, now)
}

func (m *Maker) dataPath(p token.Purpose, sub int64, data string, now time.Time) string {
	tok := m.signer.Sign(token.Claims{Purpose: p, Subscriber: sub, Expires: now.Add(Lifetime[p]), Data: data})
	return paths[p] + "/" + tok
}

// UndoPath is the path of the undo offered for the unsubscribe recorded
// as event (store.DB.Leave): it undoes that unsubscribe only, for
// UndoLifetime.
func (m *Maker) UndoPath(sub, event int64, now time.Time) string {
	tok := m.signer.Sign(token.Claims{Purpose: token.Resubscribe, Subscriber: sub, Expires: now.Add(UndoLifetime),
		Data: strconv.FormatInt(event, 10)})
	return PathResubscribe + "/" + tok
}

// UndoEvent is the unsubscribe event an undo token names; 0 for a token
// that names none.
func UndoEvent(c token.Claims) int64 {
	n, err := strconv.ParseInt(c.Data, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Click returns the tracked URL for a link to dest in delivery del.
func (m *Maker) Click(sub, del int64, dest string, now time.Time) string {
	tok := m.signer.Sign(token.Claims{Purpose: token.Click, Subscriber: sub, Delivery: del,
		Expires: now.Add(Lifetime[token.Click]), Data: dest})
	return m.base + PathClick + "/" + tok
}

// Secure reports whether the base URL is https, so cookies can be marked
// Secure.
func (m *Maker) Secure() bool {
	u, err := url.Parse(m.base)
	return err == nil && u.Scheme == "https"
}

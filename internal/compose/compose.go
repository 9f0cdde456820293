// Package compose builds the messages dripcourse sends from a course and
// its templates: each lesson's email (the templates run once per lesson,
// into a frame that each reader's values fill in: frame.go), the double
// opt-in email, and the template data of a lesson's web view. Library
// holds the content in use, and swaps it only for an edit that loads
// cleanly.
package compose

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	htmltemplate "html/template"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/token"
)

// Content is the loaded courses with the templates that present them.
// They are swapped together when an operator's edit loads cleanly.
type Content struct {
	Set       *course.Set
	Templates *render.Templates
	// Pinned is the slug of the course that a link, a form or a row
	// without a course means, as the database fixed it
	// (store.DB.PinDefaultCourse); empty for the set's first course.
	Pinned string
}

// Course finds a course by slug; "" is the default course, which links
// and rows made before there were several courses mean.
func (ct *Content) Course(slug string) (*course.Course, bool) {
	if slug == "" {
		return ct.Default(), true
	}
	return ct.Set.Course(slug)
}

// Default is the course a link, a form or a row without a course means:
// the pinned one while it is in the set, else the set's first.
func (ct *Content) Default() *course.Course {
	if c, ok := ct.Set.Course(ct.Pinned); ok {
		return c
	}
	return ct.Set.Default()
}

// Tracking says what the emails may track.
type Tracking string

// Tracking modes (DRIP_TRACKING).
const (
	TrackAll    Tracking = "all"
	TrackClicks Tracking = "clicks"
	TrackOpens  Tracking = "opens"
	TrackOff    Tracking = "off"
)

// Opens reports whether opens are tracked.
func (t Tracking) Opens() bool { return t == TrackAll || t == TrackOpens }

// Clicks reports whether clicks are tracked.
func (t Tracking) Clicks() bool { return t == TrackAll || t == TrackClicks }

// Composer renders emails into messages ready to send.
type Composer struct {
	Links         *links.Maker
	FromName      string // overrides the course's sender name when set
	FromAddr      string
	PostalAddress string
	UnsubMailto   string // optional mailbox for mailto: unsubscribes
	// ReplyTo, when set, is where readers' replies go (the Reply-To of
	// every lesson and confirmation email), when that is not FromAddr and
	// the course has no reply_to of its own.
	ReplyTo  string
	Tracking Tracking
	// BounceDomain, when set, makes each message's envelope sender a VERP
	// address on it, b+TOKEN@BounceDomain, whose signed token names the
	// delivery (ReturnPath). Empty: the envelope sender is FromAddr.
	BounceDomain string
	frames       frames
}

// Domain is the sender's domain, used for Message-IDs and List-Id.
func (c *Composer) Domain() string {
	_, d, ok := strings.Cut(c.FromAddr, "@")
	if !ok || d == "" {
		return "localhost"
	}
	return d
}

// NewMessageID returns a Message-ID (without brackets) on the sender's
// domain: a kind letter and row ID for correlation, and random bytes so IDs
// never collide across databases.
func (c *Composer) NewMessageID(kind string, id int64) string {
	var b [6]byte
	rand.Read(b[:])
	return kind + strconv.FormatInt(id, 10) + "." + hex.EncodeToString(b[:]) + "@" + c.Domain()
}

// ReturnPath is the envelope sender of the message of one delivery (a
// lesson delivery's or a confirmation's row ID): with a BounceDomain, the
// VERP address whose token names that row, so that a bounce or complaint
// sent back to it says which message it is about; otherwise, and for a
// message of no row (an operator's test), FromAddr.
func (c *Composer) ReturnPath(kind token.BounceKind, id int64) string {
	if c.BounceDomain == "" || id < 1 {
		return c.FromAddr
	}
	local, err := c.Links.Signer().BounceLocalPart(token.BounceRef{Kind: kind, ID: id})
	if err != nil {
		return c.FromAddr
	}
	return local + "@" + c.BounceDomain
}

// CourseInfo is the course as templates see it.
func CourseInfo(c *course.Course) render.CourseInfo {
	info := render.CourseInfo{Slug: c.Slug, Title: c.Title, Tagline: c.Tagline, Description: c.Description, Promises: c.Promises, Discreet: c.Discreet}
	var day time.Duration
	for _, l := range c.Lessons {
		day += l.Delay
		info.Lessons = append(info.Lessons, render.LessonInfo{Number: l.Number, Title: l.Title, Day: int(day.Hours() / 24)})
	}
	info.Days = int(day.Hours() / 24)
	return info
}

// emailCourse is the course as its emails name it. An inbox shows the
// sender, the subject and a preview line (on a lock screen too), and
// anyone may read a message's source: in discreet mode none of them names
// the course, and the preview is the neutral subject rather than the
// lesson's preheader.
func emailCourse(crs *course.Course) render.CourseInfo {
	info := CourseInfo(crs)
	if crs.Discreet {
		info.Title = crs.DiscreetSenderName
	}
	return info
}

// lessonVals are the per-reader values of a lesson email: the reader's name and
// the signed URLs. Everything else in a lesson email is the same for every
// reader of that lesson.
type lessonVals struct {
	name                          string
	unsub, view, next, pause, pix string
	enroll                        string // the next course's button, on a last lesson
	click                         func(dest string) string
	clicks                        bool // click is a tracker, not course.Plain
}

func (c *Composer) vals(ct *Content, l *course.Lesson, sub drip.Subscriber, del int64, now time.Time, track bool) lessonVals {
	crs := l.Course()
	track = track && !crs.Discreet
	v := lessonVals{name: sub.Name, click: course.Plain,
		unsub: c.Links.URL(token.Unsubscribe, sub.ID, del, now), view: c.Links.URL(token.View, sub.ID, del, now),
		next: c.Links.URL(token.Next, sub.ID, del, now), pause: c.Links.URL(token.Pause, sub.ID, del, now)}
	if nc := NextCourse(ct, l); nc != nil {
		v.enroll = c.Links.EnrollURL(sub.ID, nc.Slug, now)
	}
	if track && c.Tracking.Clicks() {
		v.click = func(dest string) string { return c.Links.Click(sub.ID, del, dest, now) }
		v.clicks = true
	}
	if track && c.Tracking.Opens() {
		v.pix = c.Links.URL(token.Open, sub.ID, del, now)
	}
	return v
}

func (c *Composer) lessonData(ct *Content, l *course.Lesson, v lessonVals) *render.Email {
	crs := l.Course()
	info, preheader := emailCourse(crs), l.Preheader
	if crs.Discreet {
		preheader = crs.Subject(l)
	}
	e := &render.Email{
		Course: info, Name: v.name, Subject: crs.Subject(l), Preheader: preheader, Title: l.Title,
		Number: l.Number, Total: len(crs.Lessons), Last: l.Number == len(crs.Lessons),
		BodyHTML: htmltemplate.HTML(l.HTML(v.click)), BodyText: l.Text(v.click),
		UnsubscribeURL: v.unsub, ViewURL: v.view, NextURL: v.next, PauseURL: v.pause, PixelURL: v.pix,
		PostalAddress: c.PostalAddress,
	}
	if nc := NextCourse(ct, l); nc != nil && v.enroll != "" {
		e.NextCourse, e.NextCourseURL = CourseInfo(nc), v.enroll
	}
	return e
}

// NextCourse is the course offered at the end of lesson l: its course's
// next, when l is the last lesson and that course is in the set.
func NextCourse(ct *Content, l *course.Lesson) *course.Course {
	crs := l.Course()
	if crs.Next == "" || l.Number != len(crs.Lessons) {
		return nil
	}
	nc, ok := ct.Set.Course(crs.Next)
	if !ok {
		return nil
	}
	return nc
}

// LessonEmail is the template data for lesson l sent to sub in delivery
// del. It is used for the email and, with tracking off, for the web view.
func (c *Composer) LessonEmail(ct *Content, l *course.Lesson, sub drip.Subscriber, del int64, now time.Time, track bool) *render.Email {
	return c.lessonData(ct, l, c.vals(ct, l, sub, del, now, track))
}

// Lesson renders lesson l for sub as the message of delivery del. The
// templates run once per lesson (see frame.go); each message only fills in
// its reader's name and links.
func (c *Composer) Lesson(ct *Content, l *course.Lesson, sub drip.Subscriber, del int64, msgID string, now time.Time) (*mailer.Message, error) {
	crs := l.Course()
	v := c.vals(ct, l, sub, del, now, true)
	m := c.message(crs, sub, crs.Subject(l), msgID, now, "", "")
	if err := c.frames.render(m, c, ct, l, v); err != nil {
		return nil, err
	}
	m.Headers = append(m.Headers, c.listHeaders(crs, l, v.unsub)...)
	m.EnvelopeFrom = c.ReturnPath(token.BounceLesson, del)
	return m, nil
}

// Confirmation renders the double opt-in email that asks sub to confirm
// their address for course crs. Its link names the course.
func (c *Composer) Confirmation(ct *Content, crs *course.Course, sub drip.Subscriber, msgID string, now time.Time) (*mailer.Message, error) {
	// No name in the confirmation, in its body or its To header: anyone
	// can type any address and any name into the form, and the form must
	// not carry a stranger's words to someone else's inbox.
	info := emailCourse(crs)
	data := &render.Email{Course: info, Title: info.Title,
		ConfirmURL: c.Links.ConfirmURL(sub.ID, crs.Slug, now), PostalAddress: c.PostalAddress}
	data.Subject = "Please confirm: " + crs.Title
	if crs.Discreet {
		data.Subject = "Please confirm your subscription"
	}
	html, text, err := ct.Templates.Email("confirm", data)
	if err != nil {
		return nil, err
	}
	m := c.message(crs, sub, data.Subject, msgID, now, html, text)
	m.ToName = "" // the address alone: the name is whatever the form was given
	m.Headers = append(m.Headers, mailer.Header{Name: "Auto-Submitted", Value: "auto-generated"})
	return m, nil
}

func (c *Composer) message(crs *course.Course, sub drip.Subscriber, subject, msgID string, now time.Time, html, text string) *mailer.Message {
	from := crs.From()
	if c.FromName != "" && !crs.Discreet {
		from = c.FromName
	}
	m := &mailer.Message{FromName: from, FromAddr: c.FromAddr, ToName: sub.Name, ToAddr: sub.Email,
		Subject: subject, MessageID: msgID, Date: now, Text: text, HTML: html}
	if r := cmp.Or(crs.ReplyTo, c.ReplyTo); r != "" {
		m.Headers = append(m.Headers, mailer.Header{Name: "Reply-To", Value: r})
	}
	return m
}

// listHeaders are the bulk-sender headers every lesson carries: RFC 2369
// and RFC 8058 one-click unsubscribe, RFC 2919 List-Id, Gmail's
// Feedback-ID, and RFC 3834 Auto-Submitted.
func (c *Composer) listHeaders(crs *course.Course, l *course.Lesson, unsub string) []mailer.Header {
	lu := "<" + unsub + ">"
	if c.UnsubMailto != "" {
		lu += ", <mailto:" + c.UnsubMailto + "?subject=unsubscribe>"
	}
	name, list, lesson := crs.Title, crs.Slug, l.Slug
	if crs.Discreet {
		// Stable, as a list's identity must be, but saying nothing.
		sum := sha256.Sum256([]byte(crs.Slug))
		name, list, lesson = crs.DiscreetSenderName, "n"+hex.EncodeToString(sum[:6]), strconv.Itoa(l.Number)
	}
	return []mailer.Header{
		{Name: "List-Unsubscribe", Value: lu},
		{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		{Name: "List-Id", Value: listName(name) + " <" + list + ".lists." + c.Domain() + ">"},
		{Name: "Feedback-ID", Value: lesson + ":" + list + ":dripcourse"},
		{Name: "Auto-Submitted", Value: "auto-generated"},
	}
}

// listName is List-Id's phrase: quoted, or as RFC 2047 encoded words when
// the course title is not ASCII, so every header stays 7-bit.
func listName(s string) string {
	if enc := mime.QEncoding.Encode("UTF-8", s); enc != s {
		return enc
	}
	return quoteName(s)
}

// quotedPair escapes a quoted string's backslashes and quotes (RFC 5322).
// It is built once: building one for each message cost more than the
// rest of the headers.
var quotedPair = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func quoteName(s string) string {
	return `"` + quotedPair.Replace(s) + `"`
}

package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/apikey"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// Page sizes of the list.
const (
	defaultPage = 50
	maxPage     = 200
)

// createSubscriber adds a reader and enrolls them in a course: 201 for a
// new address, 200 for one that was a reader already, with the reader as
// the body either way.
func (s *Server) createSubscriber(w http.ResponseWriter, r *http.Request) {
	var in NewSubscriber
	if p := decode(r, &in); p != nil {
		writeProblem(w, p)
		return
	}
	crs, clean, p := s.validNew(r, in)
	if p != nil {
		writeProblem(w, p)
		return
	}
	id, created, err := s.enroll(r, crs, clean, in.Confirmed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/subscribers/"+strconv.FormatInt(id, 10))
	}
	s.answerReader(w, r, id, status)
}

// validNew checks the body of a new reader field by field, and returns
// the course and the cleaned address, name and timezone.
func (s *Server) validNew(r *http.Request, in NewSubscriber) (*course.Course, web.SignupForm, *Problem) {
	var errs []FieldError
	f, msg := web.ParseSignup(in.Email, in.Name, in.Timezone)
	if msg != "" {
		errs = append(errs, FieldError{Field: "/email", Reason: msg})
	}
	if in.Timezone != "" && f.Timezone == "" {
		errs = append(errs, FieldError{Field: "/timezone", Reason: "not an IANA time zone such as Europe/Paris"})
	}
	set := s.Library.Content().Set
	crs := s.Library.Content().Default()
	if in.Course != "" {
		c, ok := set.Course(in.Course)
		if !ok {
			errs = append(errs, FieldError{Field: "/course", Reason: "no course " + strconv.Quote(in.Course) + "; GET /api/v1/courses lists them"})
		}
		crs = c
	}
	if in.Confirmed && !slices.Contains(keyOf(r.Context()).Scopes, apikey.EnrollConfirmed) {
		return nil, f, problem(http.StatusForbidden, "forbidden", "enrolling a reader as confirmed needs a key with the scope "+apikey.EnrollConfirmed+
			"; without confirmed, the reader gets the double opt-in email")
	}
	if len(errs) > 0 {
		return nil, f, problem(http.StatusUnprocessableEntity, "validation", "the reader cannot be added as sent", errs...)
	}
	if f.Timezone == "" {
		f.Timezone = crs.Timezone.String()
	}
	return crs, f, nil
}

// enroll adds or finds the reader. Without confirmed it is the signup
// form's path: a pending reader and a confirmation email. With it, the
// reader is enrolled at once: a new address is added active, a pending
// one is confirmed, and an existing reader starts the course.
func (s *Server) enroll(r *http.Request, crs *course.Course, f web.SignupForm, confirmed bool) (int64, bool, error) {
	ctx, now := r.Context(), s.Now()
	if !confirmed {
		res, err := s.DB.Subscribe(ctx, store.Signup{Email: f.Email, Name: f.Name, Timezone: f.Timezone, Course: crs.Slug, At: now,
			MaxConfirmations: s.MaxConfirmations, ConfirmWindow: s.ConfirmWindow, MaxPerHour: s.MaxConfirmationsPerHour})
		if err == nil && res.SubscriberID == 0 {
			err = errSuppressed
		}
		return res.SubscriberID, res.Created, err
	}
	sub, err := s.DB.SubscriberByEmail(ctx, f.Email)
	if errors.Is(err, drip.ErrNotFound) {
		out, _, err := s.DB.ImportReader(ctx, store.Import{Email: f.Email, Name: f.Name, Timezone: f.Timezone,
			Confirmed: true, Course: crs.Slug, FirstDue: schedule.Start(crs, f.Timezone, now), At: now, Via: "api"})
		switch {
		case err != nil:
			return 0, false, err
		case out == store.ImportSuppressed:
			return 0, false, errSuppressed
		case out == store.ImportAdded:
			sub, err = s.DB.SubscriberByEmail(ctx, f.Email)
			return sub.ID, true, err
		}
		// Added meanwhile by another request: enrolled as one that exists.
	} else if err != nil {
		return 0, false, err
	}
	return s.enrollExisting(r, crs, f.Email)
}

// errSuppressed refuses an address that asked never to be emailed again,
// or whose mail bounced or was reported as spam.
var errSuppressed = fmt.Errorf("the address is suppressed (it unsubscribed from everything, bounced or complained) and cannot be enrolled: %w", drip.ErrConflict)

// enrollExisting starts crs for a reader who exists: a pending one is
// confirmed by it, any other enrolled (a suppressed one is refused).
func (s *Server) enrollExisting(r *http.Request, crs *course.Course, email string) (int64, bool, error) {
	ctx, now := r.Context(), s.Now()
	sub, err := s.DB.SubscriberByEmail(ctx, email)
	if err != nil {
		return 0, false, err
	}
	due := schedule.Start(crs, sub.Timezone, now)
	if sub.Status == drip.StatusPending {
		_, err = s.DB.ConfirmVia(ctx, sub.ID, crs.Slug, "api", due, now)
	} else {
		_, err = s.DB.EnrollVia(ctx, sub.ID, crs.Slug, "api", due, now)
	}
	return sub.ID, false, err
}

// answerReader sends the reader id with their enrollments.
func (s *Server) answerReader(w http.ResponseWriter, r *http.Request, id int64, status int) {
	sub, err := s.DB.Subscriber(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	enrs, err := s.DB.Enrollments(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, status, subscriberOut(sub, enrs))
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if ok {
		s.answerReader(w, r, id, http.StatusOK)
	}
}

// pathID reads the reader's ID from the path, or answers 404.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		writeProblem(w, problem(http.StatusNotFound, "not-found", "reader IDs are positive whole numbers"))
		return 0, false
	}
	return id, true
}

// eraseSubscriber deletes everything held about a reader (GDPR article
// 17); the address stays on the suppression list if it was there.
func (s *Server) eraseSubscriber(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.DB.Erase(r.Context(), id, s.Now()); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listSubscribers pages through readers by ID: ?limit, ?cursor (the
// next_cursor of the page before), ?course and ?status.
func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) {
	q, p := s.listQuery(r)
	if p != nil {
		writeProblem(w, p)
		return
	}
	want := q.Limit
	q.Limit++ // one more tells whether there is a next page
	subs, err := s.DB.ListSubscribers(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := SubscriberPage{Data: []Subscriber{}}
	if len(subs) > want {
		subs = subs[:want]
		page.NextCursor = strconv.FormatInt(subs[want-1].ID, 10)
	}
	for _, sub := range subs {
		enrs, err := s.DB.Enrollments(r.Context(), sub.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page.Data = append(page.Data, subscriberOut(sub, enrs))
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) listQuery(r *http.Request) (store.SubscriberQuery, *Problem) {
	v := r.URL.Query()
	q := store.SubscriberQuery{Limit: defaultPage, Course: v.Get("course"), Status: drip.EnrollmentStatus(v.Get("status"))}
	var errs []FieldError
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxPage {
			errs = append(errs, FieldError{Field: "limit", Reason: "a whole number from 1 to " + strconv.Itoa(maxPage)})
		}
		q.Limit = n
	}
	if c := v.Get("cursor"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, FieldError{Field: "cursor", Reason: "not a cursor this API gave"})
		}
		q.After = n
	}
	if _, ok := s.Library.Content().Set.Course(q.Course); q.Course != "" && !ok {
		errs = append(errs, FieldError{Field: "course", Reason: "no course " + strconv.Quote(q.Course)})
	}
	if q.Status != "" && !slices.Contains(statusNames(), string(q.Status)) {
		errs = append(errs, FieldError{Field: "status", Reason: "one of " + strings.Join(statusNames(), ", ")})
	}
	if len(errs) > 0 {
		return q, problem(http.StatusUnprocessableEntity, "validation", "the list cannot be read with these parameters", errs...)
	}
	return q, nil
}

// statusNames are the enrollment statuses the list filters by.
func statusNames() []string {
	return []string{string(drip.EnrollPending), string(drip.EnrollActive), string(drip.EnrollPaused),
		string(drip.EnrollCompleted), string(drip.EnrollStopped)}
}

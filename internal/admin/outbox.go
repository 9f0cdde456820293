package admin

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// MessagesPerPage is the length of a page of the outbox list.
const MessagesPerPage = 50

// openOutbox opens the message named in the URL. The outbox only
// opens names it would list, so no URL can name another file.
func (s *Server) openOutbox(r *http.Request) (string, io.ReadCloser, error) {
	if s.Outbox == nil {
		return "", nil, drip.ErrNotFound
	}
	name := chi.URLParam(r, "name")
	f, err := s.Outbox.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil, fmt.Errorf("admin: outbox: %w", drip.ErrNotFound)
	}
	return name, f, err
}

type outboxLine struct {
	Name string
	URL  string
	emlMessage
}

type outboxData struct {
	Dir        string // "" when mail goes to an SMTP server
	Messages   []outboxLine
	Total      int
	Page       int
	Pages      int
	Prev, Next string
}

func (s *Server) outboxPage(w http.ResponseWriter, r *http.Request) {
	d := &outboxData{Page: 1}
	if s.Outbox != nil {
		d.Dir = s.Outbox.Dir
		if err := s.fillOutbox(r, d); err != nil {
			s.adminFail(w, r, err)
			return
		}
	}
	s.adminRender(w, r, http.StatusOK, "outbox", &adminPage{Title: "Outbox", Section: "outbox", Data: d})
}

func (s *Server) fillOutbox(r *http.Request, d *outboxData) error {
	names, err := s.Outbox.List()
	if err != nil {
		return err
	}
	d.Page = pageNumber(r.URL.Query().Get("page"))
	d.Total, d.Pages = len(names), max(1, (len(names)+MessagesPerPage-1)/MessagesPerPage)
	d.Page = min(d.Page, d.Pages) // a huge page number must not overflow below
	from := min((d.Page-1)*MessagesPerPage, len(names))
	for _, name := range names[from:min(from+MessagesPerPage, len(names))] {
		line := outboxLine{Name: name, URL: "/admin/outbox/" + url.PathEscape(name)}
		if f, err := s.Outbox.Open(name); err == nil {
			if m, _, err := readEMLHeader(f); err == nil {
				line.emlMessage = *m
			}
			f.Close()
		}
		d.Messages = append(d.Messages, line)
	}
	if d.Page > 1 {
		d.Prev = "/admin/outbox?page=" + strconv.Itoa(d.Page-1)
	}
	if d.Page < d.Pages {
		d.Next = "/admin/outbox?page=" + strconv.Itoa(d.Page+1)
	}
	return nil
}

// readOutbox reads and parses the message named in the URL.
func (s *Server) readOutbox(r *http.Request) (string, []byte, *emlMessage, error) {
	name, f, err := s.openOutbox(r)
	if err != nil {
		return "", nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return "", nil, nil, err
	}
	m, err := parseEML(b)
	if err != nil {
		m = &emlMessage{Text: "(This file could not be read as a message. The raw file shows what is in it.)"}
	}
	return name, b, m, nil
}

func (s *Server) outboxMessage(w http.ResponseWriter, r *http.Request) {
	name, _, m, err := s.readOutbox(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	d := outboxLine{Name: name, URL: "/admin/outbox/" + url.PathEscape(name), emlMessage: *m}
	s.adminRender(w, r, http.StatusOK, "message", &adminPage{Title: "Message " + m.Subject, Section: "outbox", Data: d})
}

// outboxHTML serves a message's HTML part for the sandboxed frame.
func (s *Server) outboxHTML(w http.ResponseWriter, r *http.Request) {
	_, _, m, err := s.readOutbox(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	framedHeaders(w)
	w.Write([]byte(m.HTML))
}

// outboxRaw serves the .eml file as plain text, to be read, never run.
func (s *Server) outboxRaw(w http.ResponseWriter, r *http.Request) {
	name, b, _, err := s.readOutbox(r)
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": name}))
	w.Write(b)
}

// eraseFromOutbox removes the outbox messages addressed to email, so an
// erased reader leaves no copy on disk. It returns how many went.
func (s *Server) eraseFromOutbox(email string) (int, error) {
	if s.Outbox == nil {
		return 0, nil
	}
	return s.Outbox.Erase(email)
}

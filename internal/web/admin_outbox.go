package web

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// MessagesPerPage is the length of a page of the outbox list.
const MessagesPerPage = 50

// outboxNames lists the messages in the outbox, newest first. File names
// start with the message's date, so their order is the messages'.
// Temporary files, which start with a dot, are half-written messages.
func (s *Server) outboxNames() ([]string, error) {
	entries, err := os.ReadDir(s.OutboxDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing written yet
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasSuffix(n, ".eml") && !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// outboxFile is the path of the message named in the URL. The name must be
// one the directory listing gave, so no URL can name another file.
func (s *Server) outboxFile(r *http.Request) (string, string, error) {
	if s.OutboxDir == "" {
		return "", "", drip.ErrNotFound
	}
	names, err := s.outboxNames()
	if err != nil {
		return "", "", err
	}
	name := chi.URLParam(r, "name")
	if !slices.Contains(names, name) {
		return "", "", drip.ErrNotFound
	}
	return name, filepath.Join(s.OutboxDir, name), nil
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
	d := &outboxData{Dir: s.OutboxDir, Page: 1}
	if d.Dir != "" {
		if err := s.fillOutbox(r, d); err != nil {
			s.adminFail(w, r, err)
			return
		}
	}
	s.adminRender(w, r, http.StatusOK, "outbox", &adminPage{Title: "Outbox", Section: "outbox", Data: d})
}

func (s *Server) fillOutbox(r *http.Request, d *outboxData) error {
	names, err := s.outboxNames()
	if err != nil {
		return err
	}
	if p, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && p > 1 {
		d.Page = p
	}
	d.Total, d.Pages = len(names), max(1, (len(names)+MessagesPerPage-1)/MessagesPerPage)
	d.Page = min(d.Page, d.Pages) // a huge page number must not overflow below
	from := min((d.Page-1)*MessagesPerPage, len(names))
	for _, name := range names[from:min(from+MessagesPerPage, len(names))] {
		line := outboxLine{Name: name, URL: "/admin/outbox/" + url.PathEscape(name)}
		if f, err := os.Open(filepath.Join(s.OutboxDir, name)); err == nil {
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
	name, file, err := s.outboxFile(r)
	if err != nil {
		return "", nil, nil, err
	}
	b, err := os.ReadFile(file)
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
	if s.OutboxDir == "" {
		return 0, nil
	}
	names, err := s.outboxNames()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		file := filepath.Join(s.OutboxDir, name)
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		msg, err := mail.ReadMessage(io.LimitReader(f, 64<<10))
		var to []*mail.Address
		if err == nil {
			to, _ = msg.Header.AddressList("To")
		}
		f.Close()
		for _, a := range to {
			if strings.EqualFold(a.Address, email) {
				if err := os.Remove(file); err != nil {
					return n, err
				}
				n++
				break
			}
		}
	}
	return n, nil
}

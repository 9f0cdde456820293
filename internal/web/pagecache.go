package web

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/render"
)

// checkInboxPages keeps the "check your inbox" page, the answer to every
// signup taken, rendered once per content version, course and form. Its
// only per-request part is the CSP nonce, so it is rendered with a
// placeholder nonce, random per process, and the request's nonce is put
// in its place when it is served: a signup costs a copy, not a render.
type checkInboxPages struct {
	once        sync.Once
	placeholder []byte

	mu    sync.Mutex
	ct    *compose.Content // the version the pages were rendered from
	pages map[checkInboxKey][]byte
}

// checkInboxKey is what the page shows besides the nonce: the course (a
// cohort's state comes from the clock) and whether it answers the embed.
type checkInboxKey struct {
	slug            string
	started, closed bool
	embed           bool
}

// get returns the page for info and embed from version ct, with the
// placeholder nonce, rendering it the first time.
func (c *checkInboxPages) get(ct *compose.Content, info render.CourseInfo, embed bool) ([]byte, error) {
	c.once.Do(func() {
		var b [16]byte
		rand.Read(b[:])
		c.placeholder = []byte(base64.RawURLEncoding.EncodeToString(b[:]))
	})
	key := checkInboxKey{info.Slug, info.Started, info.Closed, embed}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ct != ct {
		c.ct, c.pages = ct, make(map[checkInboxKey][]byte)
	}
	if body, ok := c.pages[key]; ok {
		return body, nil
	}
	body, err := ct.Templates.Page("check-inbox", &render.Page{Title: "Check your inbox", Course: info, Embed: embed, Nonce: string(c.placeholder)})
	if err != nil {
		return nil, err
	}
	c.pages[key] = body
	return body, nil
}

// checkInbox answers a signup taken with the "check your inbox" page for
// course c.
func (s *Server) checkInbox(w http.ResponseWriter, r *http.Request, c *course.Course) {
	body, err := s.inboxPages.get(s.content(), s.courseInfo(c), fromEmbed(r))
	if err != nil {
		s.logger(r).Error("render page", "page", "check-inbox", "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(bytes.ReplaceAll(body, s.inboxPages.placeholder, []byte(Nonce(r))))
}

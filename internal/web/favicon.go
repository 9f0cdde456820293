package web

import (
	_ "embed"
	"net/http"
)

// favicon is the site's icon, for the public pages and the admin alike: a
// white drop on the course's teal, 32 by 32 (a PNG in an ICO file).
//
//go:embed favicon.ico
var favicon []byte

func (s *Server) faviconICO(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "image/x-icon")
	h.Set("Cache-Control", "public, max-age=86400")
	w.Write(favicon)
}

package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

type ctxKey int

const nonceKey ctxKey = iota

// securityHeaders sets a strict Content-Security-Policy with a fresh nonce
// for the page's own scripts and style, and the other headers that keep
// pages from being framed, sniffed or leaking referrers. The captcha's
// script fetches its challenge from this site (connect-src) and solves it
// in a worker made from a Blob (worker-src).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [16]byte
		rand.Read(b[:])
		nonce := base64.RawURLEncoding.EncodeToString(b[:]) // no + or /: nothing to escape in HTML
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+
			"'; img-src 'self'; connect-src 'self'; worker-src blob:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

// Nonce is the request's CSP nonce. Pages mounted in the server (the
// admin's) use it for their own inline styles.
func Nonce(r *http.Request) string {
	n, _ := r.Context().Value(nonceKey).(string)
	return n
}

// clientIP decides which address is the client's: the peer's, unless
// trusted proxies are configured, in which case their X-Forwarded-For is
// believed. The result feeds the rate limits and the logs.
func (s *Server) clientIP() func(http.Handler) http.Handler {
	if len(s.TrustedProxies) == 0 {
		return middleware.ClientIPFromRemoteAddr
	}
	return middleware.ClientIPFromXFF(s.TrustedProxies...)
}

// logRequests logs one line a request, with its request ID, and gives the
// handlers a logger that carries the same ID.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		log := s.Log.With("req", middleware.GetReqID(r.Context()))
		r = r.WithContext(context.WithValue(r.Context(), logKey, log))
		next.ServeHTTP(ww, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method), slog.String("path", RedactPath(r.URL.Path)),
			slog.Int("status", ww.Status()), slog.Duration("took", time.Since(start)), slog.String("ip", middleware.GetClientIP(r.Context())))
	})
}

const logKey ctxKey = 1

func (s *Server) logger(r *http.Request) *slog.Logger {
	if l := RequestLog(r); l != nil {
		return l
	}
	return s.Log
}

// RequestLog is the logger that carries the request's ID, for handlers
// mounted in the server; nil for a request the server did not log.
func RequestLog(r *http.Request) *slog.Logger {
	l, _ := r.Context().Value(logKey).(*slog.Logger)
	return l
}

// RedactPath keeps tokens out of the logs: of any path segment longer
// than 16 bytes only the first 8 are kept, wherever the segment is (a
// token may be followed by a slash or by more path).
func RedactPath(p string) string {
	if len(p) <= 17 {
		return p
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if len(seg) > 16 {
			segs[i] = strings.ToValidUTF8(seg[:8], "") + "…"
		}
	}
	return strings.Join(segs, "/")
}

// recoverer turns a panic into the plain error page: the reader never sees
// a stack trace, and the log gets the cause.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger(r).Error("panic in handler", "path", RedactPath(r.URL.Path), "panic", v)
				s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Please try again in a moment.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

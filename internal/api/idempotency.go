package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"time"
)

// An Idempotency-Key is remembered for idemLife with its answer: a client
// retrying a POST within a day gets the first answer again, and nothing
// is done twice. A request still running holds its key for at most
// idemLock, so a crash does not block the retries.
const (
	idemLife   = 24 * time.Hour
	idemLock   = time.Minute
	maxIdemKey = 255
)

// idempotent runs a POST or DELETE that carries an Idempotency-Key once:
// a repeat with the same key and the same request replays the answer
// (marked Idempotent-Replayed: true); the same key with another request
// is refused, as is a repeat while the first still runs. Server errors
// are not remembered, so their retries run again.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		idem := r.Header.Get("Idempotency-Key")
		if idem == "" || (r.Method != http.MethodPost && r.Method != http.MethodDelete) {
			next.ServeHTTP(w, r)
			return
		}
		if len(idem) > maxIdemKey {
			writeProblem(w, problem(http.StatusBadRequest, "validation", "the Idempotency-Key is too long",
				FieldError{Field: "Idempotency-Key", Reason: "at most 255 characters"}))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			writeProblem(w, decodeProblem(err))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.runOnce(w, r, next, idem, requestHash(r, body))
	})
}

func (s *Server) runOnce(w http.ResponseWriter, r *http.Request, next http.Handler, idem, hash string) {
	ctx, keyID := r.Context(), keyOf(r.Context()).ID
	held, err := s.DB.BeginIdempotent(ctx, keyID, idem, hash, s.Now(), idemLock, idemLife)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case held.Started:
		rec := &recorder{header: http.Header{}}
		next.ServeHTTP(rec, r)
		if rec.status >= 500 {
			err = s.DB.AbandonIdempotent(ctx, keyID, idem)
		} else {
			err = s.DB.FinishIdempotent(ctx, keyID, idem, rec.status, rec.header.Get("Content-Type"), rec.body.Bytes())
		}
		if err != nil {
			s.logger(ctx).Warn("api: keeping an idempotent answer", "err", err)
		}
		rec.copyTo(w)
	case held.RequestHash != hash:
		writeProblem(w, problem(http.StatusUnprocessableEntity, "idempotency-reused",
			"this Idempotency-Key was sent with another method, path or body; use a new key for a new request"))
	case held.Status == 0:
		w.Header().Set("Retry-After", "1")
		writeProblem(w, problem(http.StatusConflict, "idempotency-busy", "the first request with this key has not finished; retry shortly"))
	default:
		w.Header().Set("Content-Type", held.ContentType)
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(held.Status)
		_, _ = w.Write(held.Body)
	}
}

// requestHash identifies a request by method, path and body.
func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.Path+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// recorder keeps an answer to store it before sending it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (rc *recorder) Header() http.Header { return rc.header }

func (rc *recorder) WriteHeader(status int) {
	if rc.status == 0 {
		rc.status = status
	}
}

func (rc *recorder) Write(b []byte) (int, error) {
	rc.WriteHeader(http.StatusOK)
	return rc.body.Write(b)
}

func (rc *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range rc.header {
		w.Header()[k] = v
	}
	w.WriteHeader(max(rc.status, http.StatusOK))
	_, _ = w.Write(rc.body.Bytes())
}

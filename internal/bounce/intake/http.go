package intake

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/bounce/provider"
)

// Line is one report as the bounce command and the raw endpoint print it,
// one JSON object a line. Reader, Delivery and Confirmation are null when
// the report matched none.
type Line struct {
	Recipient    string `json:"recipient"`
	Status       string `json:"status"`
	Action       string `json:"action"`
	Kind         string `json:"kind"`
	OurSending   bool   `json:"our_sending"`
	Reader       *int64 `json:"reader"`
	Delivery     *int64 `json:"delivery"`
	Confirmation *int64 `json:"confirmation"`
	MatchedBy    string `json:"matched_by"`
	Source       string `json:"source"`
	Diagnostic   string `json:"diagnostic"`
	Outcome      string `json:"outcome"`
	Duplicate    bool   `json:"duplicate"`
	Report       int64  `json:"report,omitempty"`
}

// Line is r as one line of output.
func (r Result) Line() Line {
	return Line{Recipient: r.Report.Recipient, Status: r.Report.Status, Action: r.Report.Action, Kind: string(r.Report.Kind),
		OurSending: r.Report.OurSending, Reader: id(r.Out.SubscriberID), Delivery: id(r.Out.DeliveryID),
		Confirmation: id(r.Out.ConfirmationID), MatchedBy: r.Out.MatchedBy, Source: r.Report.Source,
		Diagnostic: r.Report.Diagnostic, Outcome: r.Out.Outcome, Duplicate: r.Out.Duplicate, Report: r.Out.ID}
}

func id(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// RawHandler serves raw messages POSTed by a relay that forwards inbound
// mail: the body is one RFC 5322 message of at most 10 MB, and the request
// carries "Authorization: Bearer " and secret, compared in constant time.
// It answers 200 with one JSON line per report once all are recorded, 401
// without the secret, 413 for a larger body, 422 for a message that holds
// no report, and 503 when the reports could not be recorded (the relay
// sends it again; recording is idempotent).
func (in *Intake) RawHandler(secret string) http.Handler {
	want := sha256.Sum256([]byte(secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST a raw message", http.StatusMethodNotAllowed)
			return
		}
		got := sha256.Sum256([]byte(bearer(r)))
		if secret == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			in.refusedLog("raw", "auth", "a raw message was refused: no valid bearer token", nil)
			w.Header().Set("WWW-Authenticate", `Bearer realm="dripcourse bounces"`)
			http.Error(w, "a valid bearer token is required", http.StatusUnauthorized)
			return
		}
		in.serveRaw(w, r)
	})
}

// bearer is the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

func (in *Intake) serveRaw(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > bounce.MaxSize {
		in.refusedLog("raw", "size", "a raw message over 10 MB was refused", nil)
		http.Error(w, "the message is larger than 10 MB", http.StatusRequestEntityTooLarge)
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, bounce.MaxSize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		in.refusedLog("raw", "size", "a raw message over 10 MB was refused", nil)
		http.Error(w, "the message is larger than 10 MB", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "the message was not received in full", http.StatusBadRequest)
		return
	}
	results, err := in.Message(r.Context(), raw, "", false)
	switch {
	case notReport(err):
		in.refusedLog("raw", "not-report", "a raw message holds no report", err)
		http.Error(w, strings.TrimPrefix(err.Error(), "bounce: "), http.StatusUnprocessableEntity)
		return
	case err != nil:
		in.cfg.Log.Error("bounce intake: a raw message was not recorded", "err", err)
		w.Header().Set("Retry-After", "60")
		http.Error(w, errNotRecorded.Error(), http.StatusServiceUnavailable)
		return
	}
	writeLines(w, results)
}

// writeLines answers 200 with one JSON line per result.
func writeLines(w http.ResponseWriter, results []Result) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	for _, res := range results {
		enc.Encode(res.Line())
	}
}

// Webhooks serves each provider's webhook at a path that ends in its
// name (/webhooks/bounce/ses, ...), and answers 404 for any other. Each
// provider authenticates its own requests (package provider); a refused
// request changes nothing and is logged once a minute per provider and
// status, with how many like it were held back.
func (in *Intake) Webhooks(providers []provider.Provider) http.Handler {
	byName := map[string]http.Handler{}
	for _, p := range providers {
		name := p.Name()
		byName[name] = &provider.Handler{
			Provider: p,
			Accept: func(ctx context.Context, reports []bounce.Report) error {
				_, err := in.Reports(ctx, reports)
				return err
			},
			Refused: func(r *http.Request, status int, err error) {
				in.refusedLog(name, strconv.Itoa(status), "a "+name+" webhook request was refused", err)
			},
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := byName[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

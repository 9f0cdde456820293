package api

import (
	"encoding/json"
	"net/http"
)

// Problem is an error answer in the shape of RFC 9457 (problem details
// for HTTP APIs), served as application/problem+json. Type names the kind
// of problem, relative to the API (docs/api.md lists them); Errors says,
// field by field, what was wrong with a request body or query.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError is one field's reason for refusing a request. Field is a
// JSON Pointer (RFC 6901) into the body, or a query parameter's name.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// problemBase is where the problem types live: relative references, so a
// client resolves them against the API's own address.
const problemBase = "/api/v1/problems/"

// problemTitle is the title of each kind of problem.
func problemTitle(kind string) string {
	return map[string]string{
		"unauthorized":       "Missing or invalid API key",
		"forbidden":          "The API key lacks a scope",
		"not-found":          "Not found",
		"malformed":          "The body is not valid JSON",
		"too-large":          "The body is too large",
		"unsupported-media":  "The body must be application/json",
		"validation":         "The request has invalid fields",
		"conflict":           "The request conflicts with the reader's state",
		"idempotency-reused": "The Idempotency-Key was used for another request",
		"idempotency-busy":   "A request with this Idempotency-Key is still running",
		"rate-limited":       "Too many requests for this API key",
		"unavailable":        "The service is briefly unavailable",
		"internal":           "Internal error",
		"method-not-allowed": "Method not allowed",
	}[kind]
}

// problem builds a Problem of kind with an HTTP status.
func problem(status int, kind, detail string, fields ...FieldError) *Problem {
	return &Problem{Type: problemBase + kind, Title: problemTitle(kind), Status: status, Detail: detail, Errors: fields}
}

// writeProblem sends p. The body is small and built from our own words,
// so an encoding error cannot happen and is not checked.
func writeProblem(w http.ResponseWriter, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

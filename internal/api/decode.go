package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBody caps a request body: far above any real request, far below
// what could tie up memory.
const MaxBody = 1 << 20

// decode reads r's JSON body into v, strictly: one object, no field v
// does not have, nothing after it. It returns the problem to answer with
// when the body will not do.
func decode(r *http.Request, v any) *Problem {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media", "send Content-Type: application/json")
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeProblem(err)
		}
		return problem(http.StatusBadRequest, "malformed", "the body holds more than one JSON value")
	}
	return nil
}

// decodeProblem words a decoding error precisely: where the JSON broke,
// which field has the wrong type, which field is unknown.
func decodeProblem(err error) *Problem {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return problem(http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the body is over %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return problem(http.StatusBadRequest, "malformed", fmt.Sprintf("invalid JSON at byte %d: %v", syn.Offset, syn))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return problem(http.StatusBadRequest, "malformed", "the body is empty or ends early")
	case errors.As(err, &typ):
		field := "/" + strings.ReplaceAll(typ.Field, ".", "/")
		return problem(http.StatusUnprocessableEntity, "validation", "a field has the wrong type",
			FieldError{Field: field, Reason: fmt.Sprintf("must be %s, not %s", jsonType(typ.Type.Kind().String()), typ.Value)})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return problem(http.StatusUnprocessableEntity, "validation", "the body has a field this endpoint does not take",
			FieldError{Field: "/" + strings.Trim(name, `"`), Reason: "unknown field"})
	}
	return problem(http.StatusBadRequest, "malformed", err.Error())
}

// jsonType names a Go kind as JSON calls it.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "an object"
	}
	return "a number"
}

package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's contract, an OpenAPI 3.1 document written by hand;
// the package's tests validate every answer they get against it.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(OpenAPI)
}

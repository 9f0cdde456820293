package editor

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// script is the bundle that js/build.sh writes; the Go build only embeds it.
//
//go:embed assets/editor.js
var script []byte

// The data-editor values: the language an editor highlights.
const (
	Markdown = "markdown" // a lesson, with YAML front matter
	HTML     = "html"     // an html/template email or page template
	Text     = "text"     // a text/template email template
	YAML     = "yaml"     // course settings
)

// Assets serves the editor's script under a name that carries a hash of
// its content, so browsers may keep it for a year and a new release is a
// new URL.
type Assets struct {
	path    string // the script's URL path
	name    string // its last element, editor.<hash>.js
	etag    string
	gzipped func() []byte // made on first use: most runs of the binary never serve it
}

// New returns the editor's assets as served under prefix, the URL path at
// which the integrator mounts the handler (such as "/admin/assets").
func New(prefix string) *Assets {
	sum := sha256.Sum256(script)
	hash := hex.EncodeToString(sum[:8])
	name := "editor." + hash + ".js"
	return &Assets{
		path:    strings.TrimSuffix(prefix, "/") + "/" + name,
		name:    name,
		etag:    `"` + hash + `"`,
		gzipped: sync.OnceValue(func() []byte { return compress(script) }),
	}
}

// ScriptPath is the URL path of the script, for the page's
// <script src="..." defer> tag.
func (a *Assets) ScriptPath() string { return a.path }

// ServeHTTP serves the script at ScriptPath (with or without the prefix
// stripped) and answers 404 to anything else, including the names of
// older builds.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != a.path && r.URL.Path != "/"+a.name && r.URL.Path != a.name {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "editor: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	body, etag := script, a.etag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = a.gzipped(), strings.TrimSuffix(a.etag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) listed and not
// refused with q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

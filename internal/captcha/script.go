package captcha

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the browser script
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed altcha.js
var script []byte

// Script serves altcha.js, the <altcha-widget> element (see the package
// doc). Any site may load it: it is public, and it is fetched with CORS
// when a page loads it as a module or with a crossorigin attribute.
func Script() http.Handler {
	sum := sha256.Sum256(script)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"` // caches revalidate with a 304
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "captcha: the script is fetched with GET", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		http.ServeContent(w, r, "altcha.js", time.Time{}, bytes.NewReader(script))
	})
}

package editor

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func serve(t *testing.T, a *Assets, method, path string, header map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w.Result()
}

func TestServeScript(t *testing.T) {
	a := New("/admin/assets/")
	if !regexp.MustCompile(`^/admin/assets/editor\.[0-9a-f]{16}\.js$`).MatchString(a.ScriptPath()) {
		t.Fatalf("script path %q", a.ScriptPath())
	}
	res := serve(t, a, "GET", a.ScriptPath(), nil)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Equal(body, script) {
		t.Fatalf("GET: %d, %d bytes; want 200 and the %d-byte script", res.StatusCode, len(body), len(script))
	}
	for k, want := range map[string]string{
		"Content-Type":           "text/javascript; charset=utf-8",
		"Cache-Control":          "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff",
		"Vary":                   "Accept-Encoding",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	etag := res.Header.Get("ETag")
	if res := serve(t, a, "GET", a.ScriptPath(), map[string]string{"If-None-Match": etag}); res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match %s: %d, want 304", etag, res.StatusCode)
	}
	// Mounted behind http.StripPrefix, the path is the bare name.
	if res := serve(t, a, "GET", "/"+filepath.Base(a.ScriptPath()), nil); res.StatusCode != 200 {
		t.Errorf("stripped path: %d", res.StatusCode)
	}
}

func TestServeScriptGzip(t *testing.T) {
	a := New("/a")
	res := serve(t, a, "GET", a.ScriptPath(), map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") == serve(t, a, "GET", a.ScriptPath(), nil).Header.Get("ETag") {
		t.Fatalf("gzip answer: encoding %q, ETag %q: want gzip with an ETag of its own", res.Header.Get("Content-Encoding"), res.Header.Get("ETag"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(body, script) {
		t.Fatalf("gunzipped body: %d bytes (%v), want the script", len(body), err)
	}
	if res := serve(t, a, "GET", a.ScriptPath(), map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got %q", res.Header.Get("Content-Encoding"))
	}
}

func TestServeScriptRefuses(t *testing.T) {
	a := New("/a")
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/a/editor.0000000000000000.js", 404}, // an older build
		{"GET", "/a/", 404},
		{"POST", a.ScriptPath(), 405},
	} {
		if res := serve(t, a, c.method, c.path, nil); res.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, res.StatusCode, c.status)
		}
	}
	res := serve(t, a, "HEAD", a.ScriptPath(), nil)
	if body, _ := io.ReadAll(res.Body); res.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d with %d bytes", res.StatusCode, len(body))
	}
}

// TestScriptBuiltFromSources fails when js/ changed and build.sh was not
// run: the bundle's first line carries the sha256 of its sources, computed
// as build.sh does.
func TestScriptBuiltFromSources(t *testing.T) {
	files := []string{"build.sh", "package.json", "package-lock.json"}
	src, err := filepath.Glob("js/src/*.js")
	if err != nil || len(src) == 0 {
		t.Fatalf("no sources in js/src (%v)", err)
	}
	sort.Strings(src)
	for _, f := range src {
		files = append(files, strings.TrimPrefix(f, "js/"))
	}
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("js", f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(f + "\n"))
		h.Write(b)
	}
	want := "sources sha256:" + hex.EncodeToString(h.Sum(nil))
	first, _, _ := bytes.Cut(script, []byte("\n"))
	if !bytes.Contains(first, []byte(want)) {
		t.Fatalf("assets/editor.js was not built from the sources in js/: run internal/editor/js/build.sh\nfirst line: %s\nwant: %s", first, want)
	}
	var pkg struct{ Dependencies map[string]string }
	b, err := os.ReadFile("js/package.json")
	if err != nil || json.Unmarshal(b, &pkg) != nil {
		t.Fatalf("js/package.json: %v", err)
	}
	banner, _, _ := bytes.Cut(script, []byte("*/"))
	for name, version := range pkg.Dependencies {
		if !bytes.Contains(banner, []byte(name+" "+version+" (MIT)")) {
			t.Errorf("the bundle's banner does not list %s %s (MIT)", name, version)
		}
	}
}

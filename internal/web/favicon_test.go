package web

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

// The site has an icon, so browsers asking for /favicon.ico get one
// instead of a 404 in every log.
func TestFavicon(t *testing.T) {
	f := newFixture(t)
	res, body := f.do("GET", "/favicon.ico", nil)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/x-icon" {
		t.Fatalf("GET /favicon.ico: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	b := []byte(body)
	if len(b) < 22 || !bytes.Equal(b[:4], []byte{0, 0, 1, 0}) {
		t.Fatalf("not an ICO file: % x", b[:min(len(b), 8)])
	}
	offset := binary.LittleEndian.Uint32(b[18:22])
	img, err := png.Decode(bytes.NewReader(b[offset:]))
	if err != nil || img.Bounds().Dx() != 32 {
		t.Fatalf("the icon's image: %v, %v", img, err)
	}
}

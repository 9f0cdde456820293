package bounce

import (
	"bytes"
	"mime"
	"strings"
)

// Bounds on the MIME walk: reports have a handful of parts two or three
// levels deep.
const (
	maxDepth = 8
	maxParts = 64
)

// entity is one MIME entity: its header, its body still encoded, and its
// content type read leniently.
type entity struct {
	header    header
	body      []byte
	mediaType string // lower-case "type/subtype"
	params    map[string]string
}

// newEntity reads an entity's header and content type. A part without a
// Content-Type is text/plain (RFC 2045 section 5.2), or message/rfc822
// inside multipart/digest (RFC 2046 section 5.1.5).
func newEntity(raw []byte, digest bool) entity {
	h, body := readHeader(raw)
	e := entity{header: h, body: body, mediaType: "text/plain"}
	if digest {
		e.mediaType = "message/rfc822"
	}
	if ct := h.get("Content-Type"); ct != "" {
		e.mediaType, e.params = mediaType(ct)
	}
	return e
}

// mediaType parses a Content-Type value. mime.ParseMediaType refuses the
// whole value for one bad parameter; real reports sometimes have one, so
// the parameters that matter are then read by hand.
func mediaType(v string) (string, map[string]string) {
	t, params, err := mime.ParseMediaType(v)
	if err == nil {
		return t, params
	}
	parts := strings.Split(v, ";")
	t = strings.ToLower(strings.TrimSpace(parts[0]))
	params = map[string]string{}
	for _, p := range parts[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		params[strings.ToLower(strings.TrimSpace(k))] = strings.Trim(strings.TrimSpace(val), `"`)
	}
	return t, params
}

// decoded returns the body with its Content-Transfer-Encoding undone.
func (e entity) decoded() []byte {
	switch strings.ToLower(strings.TrimSpace(e.header.get("Content-Transfer-Encoding"))) {
	case "base64":
		return decodeBase64(e.body)
	case "quoted-printable":
		return decodeQP(e.body)
	}
	return e.body
}

// text returns the start of the decoded body, at most limit bytes, as
// UTF-8 as well as its charset allows. Only the start is decoded: no
// encoding makes text more than three times longer.
func (e entity) text(limit int) string {
	if len(e.body) > 3*limit {
		e.body = e.body[:3*limit]
	}
	b := e.decoded()
	if len(b) > limit {
		b = b[:limit]
	}
	return toUTF8(b, e.params["charset"])
}

// leaves walks the MIME tree of top and returns its leaf entities in
// order, descending into multipart/* (but not into returned messages) up
// to maxDepth and stopping at maxParts.
func leaves(top entity) []entity {
	var out []entity
	var walk func(e entity, depth int)
	walk = func(e entity, depth int) {
		if len(out) >= maxParts {
			return
		}
		boundary := e.params["boundary"]
		if !strings.HasPrefix(e.mediaType, "multipart/") || boundary == "" || depth >= maxDepth {
			out = append(out, e)
			return
		}
		digest := e.mediaType == "multipart/digest"
		for _, raw := range splitMultipart(e.body, boundary, maxParts-len(out)) {
			walk(newEntity(raw, digest), depth+1)
		}
	}
	walk(top, 0)
	return out
}

// splitMultipart cuts a multipart body at its delimiter lines (RFC 2046
// section 5.1.1): "--boundary" alone on a line, with optional trailing
// white space, and "--boundary--" to close. The preamble is dropped; a
// body cut short keeps its last part up to where it ends, so a truncated
// report still yields what it holds.
func splitMultipart(body []byte, boundary string, limit int) [][]byte {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for pos := 0; pos < len(body) && len(parts) < limit; {
		line, rest := nextLine(body[pos:])
		next := len(body) - len(rest)
		if bytes.HasPrefix(line, delim) {
			tail := bytes.TrimRight(line[len(delim):], " \t")
			closing := bytes.Equal(tail, []byte("--"))
			if len(tail) == 0 || closing {
				if start >= 0 {
					parts = append(parts, trimEOL(body[start:pos]))
				}
				start = next
				if closing {
					return parts
				}
			}
		}
		pos = next
	}
	if start >= 0 && start < len(body) && len(parts) < limit {
		parts = append(parts, body[start:])
	}
	return parts
}

// trimEOL drops the line break that belongs to the delimiter after a part.
func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

package bounce

import (
	"encoding/base64"
	"html"
	"io"
	"mime"
	"strings"
	"unicode/utf8"
)

// decodeBase64 decodes what it can: characters outside the alphabet (line
// breaks, stray junk) are skipped and decoding stops at the first padding,
// so a damaged part still yields its readable start.
func decodeBase64(b []byte) []byte {
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c == '=':
			return decodeClean(clean)
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		}
	}
	return decodeClean(clean)
}

func decodeClean(clean []byte) []byte {
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, _ := base64.RawStdEncoding.Decode(out, clean)
	return out[:n]
}

// decodeQP decodes quoted-printable (RFC 2045 section 6.7) leniently: an
// "=" that starts neither a soft line break nor a hex pair is kept as it is,
// where mime/quotedprintable would stop with an error.
func decodeQP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(b) && b[i+1] == '\n':
			i++
		case i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n':
			i += 2
		case i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]):
			out = append(out, unhex(b[i+1])<<4|unhex(b[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// toUTF8 turns text in a declared charset into valid UTF-8. Only what
// matters for reports is exact: ASCII always survives (codes, addresses,
// field names), Latin-1 family bytes become their runes, and anything else
// that is not valid UTF-8 becomes U+FFFD. This keeps the package free of a
// charset table it would use for diagnostics alone.
func toUTF8(b []byte, charset string) string {
	cs := strings.ToLower(strings.TrimSpace(charset))
	latin := strings.HasPrefix(cs, "iso-8859-") || strings.HasPrefix(cs, "windows-125") ||
		cs == "latin1" || cs == "cp1252"
	if latin && !utf8.Valid(b) {
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// decodeWords decodes RFC 2047 encoded words in a header value (subjects
// of localised reports). An unknown charset yields its bytes as they are,
// made valid UTF-8 afterwards.
func decodeWords(v string) string {
	d := mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil }}
	s, err := d.DecodeHeader(v)
	if err != nil {
		s = v
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// htmlText reduces an HTML body to text lines, enough to read an HTML-only
// non-delivery report: tags go, block ends become line breaks, <style>
// and <script> contents are dropped and entities are decoded.
func htmlText(s string) string {
	var sb strings.Builder
	skip := ""
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			if skip == "" {
				sb.WriteString(s)
			}
			break
		}
		if skip == "" {
			sb.WriteString(s[:lt])
		}
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			break
		}
		tag := strings.ToLower(s[lt+1 : lt+gt])
		s = s[lt+gt+1:]
		skip = skipState(skip, tag)
		if blockTag(tag) {
			sb.WriteByte('\n')
		}
	}
	return html.UnescapeString(sb.String())
}

// skipState tracks whether we are inside <style> or <script>.
func skipState(skip, tag string) string {
	name, _, _ := strings.Cut(tag, " ")
	switch {
	case skip == "" && (name == "style" || name == "script"):
		return "/" + name
	case skip != "" && name == skip:
		return ""
	}
	return skip
}

func blockTag(tag string) bool {
	name, _, _ := strings.Cut(strings.TrimPrefix(tag, "/"), " ")
	switch strings.TrimSuffix(name, "/") {
	case "br", "p", "div", "tr", "li", "pre", "table", "h1", "h2", "h3", "h4", "blockquote":
		return true
	}
	return false
}

package captcha

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxPayload is the largest payload Verify reads; a real one is ~270 bytes.
const MaxPayload = 1024

// Payload is a solution as the browser posts it.
type Payload struct {
	Algorithm string
	Challenge string
	Number    int64
	Salt      string
	Signature string
}

// encodings are the base64 forms a payload may come in: btoa's, and the
// URL-safe ones a form library might produce.
var encodings = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding, base64.RawStdEncoding}

// ParsePayload decodes a posted payload, refusing anything that is not
// exactly one canonical base64 of one JSON object with the five fields
// (and ALTCHA's optional "took"), each once and of the expected shape.
// Every refusal wraps ErrMalformed.
func ParsePayload(s string) (Payload, error) {
	if len(s) > MaxPayload {
		return Payload{}, fmt.Errorf("%w: %d bytes, over %d", ErrMalformed, len(s), MaxPayload)
	}
	raw, err := decodeBase64(s)
	if err != nil {
		return Payload{}, err
	}
	fields, err := readFields(raw)
	if err != nil {
		return Payload{}, err
	}
	return fields.payload()
}

// decodeBase64 accepts s only if it re-encodes to itself, which refuses
// line breaks, stray padding and non-zero trailing bits.
func decodeBase64(s string) ([]byte, error) {
	for _, enc := range encodings {
		raw, err := enc.DecodeString(s)
		if err == nil && enc.EncodeToString(raw) == s {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("%w: not canonical base64", ErrMalformed)
}

// fields are the JSON members as read, before their shape is checked.
type fields map[string]string

// wanted maps each member a payload may hold to whether it must be there.
var wanted = map[string]bool{
	"algorithm": true, "challenge": true, "number": true, "salt": true, "signature": true,
	"took": false, // milliseconds the ALTCHA widget spent solving; ignored
}

// readFields reads one flat JSON object of strings and numbers, refusing
// unknown, duplicate and missing members, and anything after the object.
// encoding/json alone would accept duplicates, keys in any case and
// invalid UTF-8, so the object is walked token by token.
func readFields(raw []byte) (fields, error) {
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	f := fields{}
	for dec.More() {
		if err := f.readMember(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the object", ErrMalformed)
	}
	for name, required := range wanted {
		if _, ok := f[name]; required && !ok {
			return nil, fmt.Errorf("%w: no %q", ErrMalformed, name)
		}
	}
	return f, nil
}

// readMember reads one name and its value, which must be a string or, for
// number and took, a number.
func (f fields) readMember(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	name, _ := t.(string)
	if _, ok := wanted[name]; !ok {
		return fmt.Errorf("%w: unknown member %.40q", ErrMalformed, name)
	}
	if _, dup := f[name]; dup {
		return fmt.Errorf("%w: %q given twice", ErrMalformed, name)
	}
	if t, err = dec.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch v := t.(type) {
	case string:
		if name == "number" || name == "took" {
			return fmt.Errorf("%w: %q is not a JSON number", ErrMalformed, name)
		}
		f[name] = v
	case json.Number:
		if name != "number" && name != "took" {
			return fmt.Errorf("%w: %q is not a string", ErrMalformed, name)
		}
		f[name] = string(v)
	default:
		return fmt.Errorf("%w: %q is neither a string nor a number", ErrMalformed, name)
	}
	return nil
}

// payload checks each member's shape.
func (f fields) payload() (Payload, error) {
	if f["algorithm"] != Algorithm {
		return Payload{}, fmt.Errorf("%w: algorithm %.20q, want %s", ErrMalformed, f["algorithm"], Algorithm)
	}
	for _, name := range []string{"challenge", "signature"} {
		if !isLowerHex(f[name], 64) {
			return Payload{}, fmt.Errorf("%w: %s is not 64 lower-case hex digits", ErrMalformed, name)
		}
	}
	n, ok := parseDecimal(f["number"], 16)
	if !ok {
		return Payload{}, fmt.Errorf("%w: number %.20q is not a plain decimal", ErrMalformed, f["number"])
	}
	if took, ok := f["took"]; ok {
		if v, err := strconv.ParseFloat(took, 64); err != nil || v < 0 {
			return Payload{}, fmt.Errorf("%w: took %.20q", ErrMalformed, took)
		}
	}
	if _, err := saltExpiry(f["salt"]); err != nil {
		return Payload{}, err
	}
	return Payload{Algorithm: Algorithm, Challenge: f["challenge"], Number: n, Salt: f["salt"],
		Signature: f["signature"]}, nil
}

// saltExpiry reads the expiry from a salt of exactly the shape Challenge
// makes: 32 lower-case hex digits, "?expires=", a decimal, "&".
func saltExpiry(salt string) (int64, error) {
	nonce, rest, ok := strings.Cut(salt, "?expires=")
	if !ok || !isLowerHex(nonce, 32) || !strings.HasSuffix(rest, "&") {
		return 0, fmt.Errorf("%w: salt %.80q is not of the shape this server makes", ErrMalformed, salt)
	}
	exp, ok := parseDecimal(strings.TrimSuffix(rest, "&"), 12)
	if !ok {
		return 0, fmt.Errorf("%w: salt expiry %.20q", ErrMalformed, rest)
	}
	return exp, nil
}

// parseDecimal reads a non-negative integer of at most max digits, written
// the one way JavaScript's String(n) writes it: no sign, no leading zero.
func parseDecimal(s string, max int) (int64, bool) {
	if s == "" || len(s) > max || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// isLowerHex says whether s is n lower-case hex digits, as hex.EncodeToString
// and the browser write them.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a webhook-timestamp may be from the
// receiver's clock, either way, before Verify refuses it as a replay.
const DefaultTolerance = 5 * time.Minute

// Why Verify refused a request.
var (
	ErrMissingHeader = errors.New("webhook: a webhook-id, webhook-timestamp or webhook-signature header is missing")
	ErrBadTimestamp  = errors.New("webhook: webhook-timestamp is not unix seconds")
	ErrTimestamp     = errors.New("webhook: webhook-timestamp is outside the tolerance")
	ErrNoSignature   = errors.New("webhook: no v1 signature matches")
	ErrBadID         = errors.New("webhook: a message id must be 1 to 256 printable characters without '.', spaces or commas")
)

// NewMessageID returns a fresh webhook-id: "msg_", the time in
// milliseconds as 10 characters that sort in time order, and 16 random
// base32 characters (80 bits), never containing '.'. The store keys
// events and deliveries by it: ids made in time order are written to the
// end of those indexes, where fully random ones each dirtied a page of
// their own.
func NewMessageID() string { return newMessageID(time.Now()) }

// idClock is Crockford's base32 alphabet, in ASCII order.
const idClock = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func newMessageID(now time.Time) string {
	var b [10]byte
	ms := uint64(now.UnixMilli())
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = idClock[ms&31]
		ms >>= 5
	}
	return "msg_" + string(b[:]) + rand.Text()[:16]
}

// checkID refuses ids that could shift the "id.timestamp.body" boundary
// or break the header.
func checkID(id string) error {
	if id == "" || len(id) > 256 {
		return ErrBadID
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '.' || c == ',' {
			return ErrBadID
		}
	}
	return nil
}

// Sign returns the webhook-signature value for one attempt:
// "v1," and the base64 of HMAC-SHA256(key, id + "." + unix ts + "." + body).
func Sign(secret Secret, msgID string, ts time.Time, body []byte) (string, error) {
	if err := checkID(msgID); err != nil {
		return "", err
	}
	key, err := secret.key()
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, msgID, ts.Unix(), body)), nil
}

func mac(key []byte, msgID string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msgID))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received webhook as a receiver should: all three headers
// present, the timestamp within tolerance of now (DefaultTolerance when
// tolerance is not positive), and at least one of the space-separated
// "v1,<base64>" signatures matching, compared in constant time. Entries
// of other versions are ignored.
func Verify(secret Secret, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return ErrMissingHeader
	}
	unix, err := parseUnix(tsText)
	if err != nil {
		return err
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s off", ErrTimestamp, d.Round(time.Second))
	}
	key, err := secret.key()
	if err != nil {
		return err
	}
	want := mac(key, id, unix, body)
	for _, sig := range strings.Fields(sigs) {
		ver, enc, ok := strings.Cut(sig, ",")
		if !ok || ver != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(enc)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrNoSignature
}

// parseUnix takes only plain decimal digits: no sign, no spaces.
func parseUnix(s string) (int64, error) {
	if len(s) > 18 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, ErrBadTimestamp
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, ErrBadTimestamp
	}
	return n, nil
}

package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// SecretPrefix marks a Standard Webhooks symmetric signing secret.
const SecretPrefix = "whsec_"

// The specification asks for at least 24 random bytes and at most 64.
const (
	minKeyLen = 24
	maxKeyLen = 64
	newKeyLen = 32
)

// ErrBadSecret means a secret is not "whsec_" followed by the base64 of
// 24 to 64 bytes. Its text never contains the secret.
var ErrBadSecret = errors.New("webhook: the signing secret is not whsec_ and the base64 of 24 to 64 bytes")

// Secret is an endpoint's signing secret in its serialized form, "whsec_"
// and base64. It prints as "whsec_[redacted]" through fmt and slog, so
// that a secret logged by mistake shows nothing; string(s) reveals it, to
// show it once to the operator and to store it.
type Secret string

// NewSecret returns a fresh secret of 32 random bytes.
func NewSecret() Secret {
	key := make([]byte, newKeyLen)
	_, _ = rand.Read(key) // crypto/rand.Read never fails; it crashes instead
	return Secret(SecretPrefix + base64.StdEncoding.EncodeToString(key))
}

// ParseSecret checks a secret given by an operator and returns it.
func ParseSecret(s string) (Secret, error) {
	sec := Secret(strings.TrimSpace(s))
	if _, err := sec.key(); err != nil {
		return "", err
	}
	return sec, nil
}

// key returns the HMAC key: the base64-decoded part after the prefix.
func (s Secret) key() ([]byte, error) {
	enc, ok := strings.CutPrefix(string(s), SecretPrefix)
	if !ok {
		return nil, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return nil, ErrBadSecret // the decoder's error would quote the secret
	}
	return key, nil
}

const redacted = SecretPrefix + "[redacted]"

// String hides the secret.
func (s Secret) String() string { return redacted }

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return redacted }

// Format hides the secret from every fmt verb, %x and %q included.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue hides the secret from slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

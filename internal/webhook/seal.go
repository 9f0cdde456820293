package webhook

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// A dispatcher must read each endpoint's secret to sign with it, so the
// secret cannot be hashed at rest as an API key is. It is sealed instead:
// encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the
// application's signing secret, which never lives in the database on
// SQLite and is the one secret instances already share on PostgreSQL. A
// copy of the database alone (a backup, a leaked dump) then holds no
// usable webhook secret.

// sealPrefix marks a sealed secret and its format version.
const sealPrefix = "v1:"

// sealInfo binds derived keys to this use: the same signing secret keys
// the tokens of every link, and a key for one use must not be one for
// another.
const sealInfo = "dripcourse webhook secret sealing v1"

// ErrUnseal means a sealed secret could not be opened: damaged, or sealed
// under another signing secret. Its text never holds the secret.
var ErrUnseal = errors.New("webhook: the endpoint's stored secret cannot be decrypted (was the signing secret replaced? remove the endpoint and add it again)")

// Sealer seals and opens endpoint secrets at rest.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the sealing key from the application's signing
// secret (at least 32 bytes).
func NewSealer(signingSecret []byte) (*Sealer, error) {
	if len(signingSecret) < 32 {
		return nil, errors.New("webhook: the signing secret is shorter than 32 bytes")
	}
	key, err := hkdf.Key(sha256.New, signingSecret, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("webhook: derive the sealing key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("webhook: sealing cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("webhook: sealing cipher: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal returns s encrypted, as text for a database column: "v1:" and the
// base64 of a fresh nonce and the ciphertext.
func (z *Sealer) Seal(s Secret) string {
	nonce := make([]byte, z.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails; it crashes instead
	sealed := z.aead.Seal(nonce, nonce, []byte(s), []byte(sealInfo))
	return sealPrefix + base64.StdEncoding.EncodeToString(sealed)
}

// Open returns the secret Seal sealed, or ErrUnseal.
func (z *Sealer) Open(sealed string) (Secret, error) {
	enc, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", ErrUnseal
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	n := z.aead.NonceSize()
	if err != nil || len(raw) < n {
		return "", ErrUnseal
	}
	plain, err := z.aead.Open(nil, raw[:n], raw[n:], []byte(sealInfo))
	if err != nil {
		return "", ErrUnseal
	}
	return Secret(plain), nil
}

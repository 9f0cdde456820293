package mailer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"os"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/wneessen/go-mail"
)

// DKIM signs every message with one key. RFC 8058 asks that the signature
// cover List-Unsubscribe and List-Unsubscribe-Post, so that no relay can
// change where a one-click unsubscribe goes; the signed header list below
// includes them, and Reply-To, so that replies cannot be redirected
// either.
//
// Signing is done with emersion/go-msgauth over the finished message.
// go-mail v0.8.1's own signer folds the DKIM-Signature header inside a
// header name when the signed list is long, which breaks relaxed
// verification, so it is not used.
type DKIM struct {
	opts dkim.SignOptions
}

var dkimHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "Content-Type", "MIME-Version",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Feedback-ID", "Reply-To"}

// LoadDKIM reads a PEM private key (RSA of at least 2048 bits, or Ed25519)
// for domain and selector.
func LoadDKIM(keyFile, domain, selector string) (*DKIM, error) {
	if domain == "" || selector == "" {
		return nil, fmt.Errorf("mailer: DKIM needs a domain and a selector as well as the key")
	}
	pemBytes, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("mailer: DKIM key: %w", err)
	}
	key, err := mail.PrivKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("mailer: DKIM key %s: %w", keyFile, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("mailer: DKIM key %s is RSA-%d; receivers require at least 2048 bits", keyFile, k.N.BitLen())
		}
	case ed25519.PrivateKey:
	default:
		return nil, fmt.Errorf("mailer: DKIM key %s: unsupported key type %T", keyFile, key)
	}
	return &DKIM{opts: dkim.SignOptions{Domain: domain, Selector: selector, Signer: key, Hash: crypto.SHA256,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed, BodyCanonicalization: dkim.CanonicalizationRelaxed,
		HeaderKeys: dkimHeaders}}, nil
}

// sign returns raw with a DKIM-Signature header added.
func (d *DKIM) sign(raw []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(raw) + 600)
	opts := d.opts
	if err := dkim.Sign(&out, bytes.NewReader(raw), &opts); err != nil {
		return nil, &Error{Text: "DKIM signing failed: " + err.Error()}
	}
	return out.Bytes(), nil
}

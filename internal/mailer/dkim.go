package mailer

import (
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"os"

	"github.com/wneessen/go-mail"
)

// DKIM signs every message with one key. RFC 8058 asks that the signature
// cover List-Unsubscribe and List-Unsubscribe-Post, so that no relay can
// change where a one-click unsubscribe goes; the signed header list below
// includes them.
type DKIM struct {
	signer *mail.DKIMSigner
}

var dkimHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "Content-Type", "MIME-Version",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Feedback-ID"}

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
	s := mail.NewDKIMSigner(domain, selector, key)
	s.SignHeaders(dkimHeaders...)
	if err := s.ValidateConfig(); err != nil {
		return nil, fmt.Errorf("mailer: DKIM: %w", err)
	}
	return &DKIM{signer: s}, nil
}

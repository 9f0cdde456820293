package provider

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// SESConfig configures the Amazon SES endpoint, which receives SES's
// notifications through an SNS topic subscribed over HTTPS.
type SESConfig struct {
	// TopicARNs are the SNS topics whose messages are taken; any other
	// topic is refused with 403. Required: any AWS account can create a
	// topic, subscribe this endpoint and publish correctly signed
	// messages, so the signature alone does not say the bounce is ours.
	TopicARNs []string
	// Client fetches signing certificates and, with AutoConfirm,
	// subscription URLs. Nil means a client with a 10 s timeout that
	// follows no redirect.
	Client HTTPClient
	// AutoConfirm confirms a verified SubscriptionConfirmation for an
	// allowed topic by fetching its SubscribeURL.
	AutoConfirm bool
	// OnConfirmation, when set, is told of each verified
	// SubscriptionConfirmation or UnsubscribeConfirmation (after
	// AutoConfirm's attempt), so the operator can see it or confirm by
	// hand.
	OnConfirmation func(ctx context.Context, c Confirmation)
	// Now is the clock that certificate validity is checked against
	// (nil: time.Now).
	Now func() time.Time
}

// Confirmation is a verified SNS subscription or unsubscription message.
type Confirmation struct {
	// Type is "SubscriptionConfirmation" or "UnsubscribeConfirmation".
	Type string
	// TopicARN is the topic; it is always one of SESConfig.TopicARNs.
	TopicARN string
	// SubscribeURL confirms (or re-confirms) the subscription when
	// fetched; it is checked to be on an Amazon SNS host.
	SubscribeURL string
	// Confirmed says AutoConfirm fetched SubscribeURL successfully;
	// Err is why it could not, when it tried.
	Confirmed bool
	Err       error
}

// SES authenticates Amazon SNS messages carrying SES notifications.
type SES struct {
	topics map[string]bool
	client HTTPClient
	auto   bool
	notify func(context.Context, Confirmation)
	now    func() time.Time
	certs  certCache
}

// NewSES returns the SES provider for cfg.
func NewSES(cfg SESConfig) (*SES, error) {
	if len(cfg.TopicARNs) == 0 {
		return nil, errors.New("provider: ses: no SNS topic ARN allowed (set the topic allowlist)")
	}
	s := &SES{topics: map[string]bool{}, client: cfg.Client, auto: cfg.AutoConfirm,
		notify: cfg.OnConfirmation, now: clockOr(cfg.Now)}
	for _, arn := range cfg.TopicARNs {
		if !validARN(arn) {
			return nil, fmt.Errorf("provider: ses: %q is not an SNS topic ARN", arn)
		}
		s.topics[arn] = true
	}
	if s.client == nil {
		s.client = defaultClient()
	}
	return s, nil
}

// validARN checks the shape arn:<partition>:sns:<region>:<account>:<name>.
func validARN(arn string) bool {
	parts := bytes.Split([]byte(arn), []byte(":"))
	return len(parts) == 6 && string(parts[0]) == "arn" && string(parts[2]) == "sns" && len(parts[5]) > 0
}

// Name implements Provider.
func (*SES) Name() string { return "ses" }

// snsMessage is the JSON envelope SNS posts. Subject is a pointer because
// it is signed only when present.
type snsMessage struct {
	Type             string
	MessageID        string `json:"MessageId"`
	Token            string
	TopicArn         string
	Subject          *string
	Message          string
	SubscribeURL     string
	Timestamp        string
	SignatureVersion string
	Signature        string
	SigningCertURL   string
}

// Reports implements Provider: it verifies the SNS signature, then
// confirms subscriptions or reads the SES notification.
func (s *SES) Reports(r *http.Request, body []byte) ([]bounce.Report, error) {
	var m snsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: ses: SNS envelope: %w", ErrMalformed, err)
	}
	if err := s.verify(r.Context(), &m); err != nil {
		return nil, err
	}
	if m.Type != "Notification" {
		return nil, s.confirmation(r.Context(), &m)
	}
	return sesReports(&m)
}

// verify checks the envelope's fields, its topic, and its signature.
func (s *SES) verify(ctx context.Context, m *snsMessage) error {
	if err := requireSignature(m); err != nil {
		return err
	}
	signed, err := stringToSign(m)
	if err != nil {
		return err
	}
	if !s.topics[m.TopicArn] {
		return fmt.Errorf("%w: ses: topic %q is not in the allowlist", ErrForbidden, short(m.TopicArn, 256))
	}
	hash, err := signatureHash(m.SignatureVersion)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: ses: Signature is not base64", ErrUnauthenticated)
	}
	u, err := certURL(m.SigningCertURL)
	if err != nil {
		return err
	}
	cert, err := s.certs.get(ctx, s.client, u)
	if err != nil {
		return err
	}
	if err := checkValid(cert, s.now()); err != nil {
		return err
	}
	return verifyRSA(cert.PublicKey.(*rsa.PublicKey), hash, signed, sig)
}

// signatureHash is the hash that SignatureVersion names: SHA1withRSA for
// "1", SHA256withRSA for "2".
func signatureHash(version string) (crypto.Hash, error) {
	switch version {
	case "1":
		return crypto.SHA1, nil
	case "2":
		return crypto.SHA256, nil
	}
	return 0, fmt.Errorf("%w: ses: SignatureVersion %q is neither 1 nor 2", ErrUnauthenticated, short(version, maxShort))
}

func verifyRSA(pub *rsa.PublicKey, hash crypto.Hash, signed, sig []byte) error {
	var digest []byte
	if hash == crypto.SHA1 {
		d := sha1.Sum(signed)
		digest = d[:]
	} else {
		d := sha256.Sum256(signed)
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return fmt.Errorf("%w: ses: SNS signature does not verify", ErrUnauthenticated)
	}
	return nil
}

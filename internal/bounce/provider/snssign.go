package provider

import (
	"bytes"
	"context"
	"fmt"
)

// stringToSign builds the bytes SNS signs for m, as SNS documents them:
// for each signed field in byte order, its name, a newline, its value
// and a newline. A Notification signs Message, MessageId, Subject (only
// when present), Timestamp, TopicArn and Type; the two confirmation types
// sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn and
// Type. Every signed field but Subject is required.
func stringToSign(m *snsMessage) ([]byte, error) {
	type field struct{ name, value string }
	var fields []field
	switch m.Type {
	case "Notification":
		fields = []field{{"Message", m.Message}, {"MessageId", m.MessageID}}
		if m.Subject != nil {
			fields = append(fields, field{"Subject", *m.Subject})
		}
		fields = append(fields, field{"Timestamp", m.Timestamp}, field{"TopicArn", m.TopicArn}, field{"Type", m.Type})
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		fields = []field{{"Message", m.Message}, {"MessageId", m.MessageID}, {"SubscribeURL", m.SubscribeURL},
			{"Timestamp", m.Timestamp}, {"Token", m.Token}, {"TopicArn", m.TopicArn}, {"Type", m.Type}}
	default:
		return nil, fmt.Errorf("%w: ses: SNS message Type %q is unknown", ErrMalformed, short(m.Type, maxShort))
	}
	var b bytes.Buffer
	for _, f := range fields {
		if f.value == "" && f.name != "Subject" {
			return nil, fmt.Errorf("%w: ses: SNS %s has no %s", ErrMalformed, m.Type, f.name)
		}
		b.WriteString(f.name)
		b.WriteByte('\n')
		b.WriteString(f.value)
		b.WriteByte('\n')
	}
	return b.Bytes(), nil
}

// requireSignature refuses a message without its signature fields, such
// as one sent with SNS's raw message delivery, which is not signed.
func requireSignature(m *snsMessage) error {
	for _, f := range [...]struct{ name, value string }{
		{"Signature", m.Signature}, {"SignatureVersion", m.SignatureVersion}, {"SigningCertURL", m.SigningCertURL},
	} {
		if f.value == "" {
			return fmt.Errorf("%w: ses: SNS message has no %s (raw message delivery must be off)", ErrUnauthenticated, f.name)
		}
	}
	return nil
}

// confirmation handles a verified (un)subscription message: it confirms
// a subscription when AutoConfirm is set and tells OnConfirmation. A
// failed confirmation is returned, so that SNS sends the message again.
func (s *SES) confirmation(ctx context.Context, m *snsMessage) error {
	c := Confirmation{Type: m.Type, TopicARN: m.TopicArn, SubscribeURL: m.SubscribeURL}
	if s.auto && m.Type == "SubscriptionConfirmation" {
		c.Err = s.confirm(ctx, m.SubscribeURL)
		c.Confirmed = c.Err == nil
	}
	if s.notify != nil {
		s.notify(ctx, c)
	}
	return c.Err
}

// confirm fetches a SubscribeURL, which must be on an SNS host too.
func (s *SES) confirm(ctx context.Context, raw string) error {
	u, err := snsURL(raw, "SubscribeURL")
	if err != nil {
		return err
	}
	_, err = fetch(ctx, s.client, u, 64<<10)
	return err
}

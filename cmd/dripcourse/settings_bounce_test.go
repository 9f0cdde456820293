package main

import (
	"strings"
	"testing"
)

// The bounce settings refuse what would fail later: a domain that is not
// one, a listening address without a port, a guessable token, a limit out
// of range, a bad SNS topic, a key that is not SendGrid's, half of
// Postmark's credentials, and a receiver without its domain.
func TestBounceSettingsRefuseBadValues(t *testing.T) {
	refused(t, "DRIP_BOUNCE_DOMAIN", "@bounces.example.com", "bounces", "b..example.com", "bounces.example.com\r\nX: y")
	refused(t, "DRIP_BOUNCE_SMTP_ADDR", "25", "host:port", ":99999")
	refused(t, "DRIP_BOUNCE_TOKEN", "short", "sixteen-chars-ok\nX")
	refused(t, "DRIP_BOUNCE_WEBHOOK_SECRET", "short")
	refused(t, "DRIP_SOFT_BOUNCE_LIMIT", "0", "101", "five")
	refused(t, "DRIP_SES_TOPIC_ARNS", "arn:aws:sns:eu-west-1:123:ok, not-an-arn")
	refused(t, "DRIP_SENDGRID_VERIFICATION_KEY", "bm90IGEga2V5")
	for _, env := range []map[string]string{
		{"DRIP_BOUNCE_SMTP_ADDR": ":2525"},
		{"DRIP_POSTMARK_WEBHOOK_USER": "pm"},
	} {
		if _, err := parseEnv(env); err == nil {
			t.Errorf("%v was accepted", env)
		}
	}
}

// Good values are kept as they will be used: the domain lower-cased, the
// topic list split, and the soft-bounce limit's default 5.
func TestBounceSettingsKeepGoodValues(t *testing.T) {
	c, err := parseEnv(map[string]string{"DRIP_BOUNCE_DOMAIN": "Bounces.Example.COM.", "DRIP_BOUNCE_SMTP_ADDR": "127.0.0.1:2525",
		"DRIP_SES_TOPIC_ARNS": "arn:aws:sns:eu-west-1:123456789012:a, arn:aws:sns:us-east-1:123456789012:b"})
	if err != nil {
		t.Fatal(err)
	}
	if c.BounceDomain != "bounces.example.com" || c.SoftBounceLimit != 5 || strings.Join(c.SESTopicARNs, " ") != "arn:aws:sns:eu-west-1:123456789012:a arn:aws:sns:us-east-1:123456789012:b" {
		t.Errorf("domain %q, limit %d, topics %q", c.BounceDomain, c.SoftBounceLimit, c.SESTopicARNs)
	}
}

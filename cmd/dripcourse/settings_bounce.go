package main

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/dripcourse/dripcourse/internal/bounce/provider"
)

// The settings of bounces and complaints: the VERP domain and its SMTP
// receiver, the raw-message endpoint's token, the soft-bounce limit, and
// each provider's webhook credentials. A provider's route is mounted only
// when its settings are present.

// bounceSettings are listed after the others in help.
func bounceSettings() []setting {
	return []setting{
		{"bounce-domain", "DRIP_BOUNCE_DOMAIN", "", "domain of the return addresses (b+TOKEN@domain) every message is sent from; its MX receives the bounces. Empty: the envelope sender is DRIP_FROM", parseBounceDomain},
		{"bounce-smtp-addr", "DRIP_BOUNCE_SMTP_ADDR", "", "address serve receives bounces on over SMTP, such as :25 (needs DRIP_BOUNCE_DOMAIN)", parseBounceSMTPAddr},
		{"bounce-token", "DRIP_BOUNCE_TOKEN", "", "bearer token for POST /bounces/raw (raw bounce messages over HTTP, at least 16 characters); empty: no such endpoint", parseBounceToken},
		{"soft-bounce-limit", "DRIP_SOFT_BOUNCE_LIMIT", "5", "soft bounces of messages in a row, with none delivered between, that suppress an address", parseSoftBounceLimit},
		{"ses-topic-arns", "DRIP_SES_TOPIC_ARNS", "", "comma-separated SNS topic ARNs whose SES notifications POST /webhooks/bounce/ses takes", parseSESTopics},
		{"postmark-webhook-user", "DRIP_POSTMARK_WEBHOOK_USER", "", "Basic user in Postmark's webhook URL (with the password: POST /webhooks/bounce/postmark)", parsePostmarkUser},
		{"postmark-webhook-password", "DRIP_POSTMARK_WEBHOOK_PASSWORD", "", "Basic password in Postmark's webhook URL", parsePostmarkPassword},
		{"mailgun-signing-key", "DRIP_MAILGUN_SIGNING_KEY", "", "Mailgun's HTTP webhook signing key (POST /webhooks/bounce/mailgun)", parseMailgunKey},
		{"sendgrid-verification-key", "DRIP_SENDGRID_VERIFICATION_KEY", "", "SendGrid's signed event webhook verification key, base64 or PEM (POST /webhooks/bounce/sendgrid)", parseSendGridKey},
		{"brevo-webhook-token", "DRIP_BREVO_WEBHOOK_TOKEN", "", "bearer token in Brevo's webhook settings (POST /webhooks/bounce/brevo)", parseBrevoToken},
		{"bounce-webhook-secret", "DRIP_BOUNCE_WEBHOOK_SECRET", "", "shared secret, at least 16 characters, of the generic JSON webhook (POST /webhooks/bounce/generic)", parseBounceWebhookSecret},
	}
}

func parseBounceDomain(c *Config, v string) error {
	c.BounceDomain = strings.TrimSuffix(strings.ToLower(v), ".")
	if v != "" && (!hostName.MatchString(c.BounceDomain) || !strings.Contains(c.BounceDomain, ".")) {
		return fmt.Errorf("%q is not a domain name such as bounces.example.com", v)
	}
	return nil
}

func parseBounceSMTPAddr(c *Config, v string) error {
	c.BounceSMTPAddr = v
	if v == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 || plainText("", v) != nil {
		return fmt.Errorf("%q is not an address to listen on, such as :25 or 127.0.0.1:2525", v)
	}
	return nil
}

// secretSetting checks a shared secret: one line, and long enough that
// it cannot be guessed by trying.
func secretSetting(v string) error {
	if v == "" {
		return nil
	}
	if err := plainText("the secret", v); err != nil {
		return err
	}
	if len(v) < 16 {
		return errors.New("must be at least 16 characters (use a random string, such as the output of openssl rand -hex 16)")
	}
	return nil
}

func parseBounceToken(c *Config, v string) error {
	c.BounceToken = v
	return secretSetting(v)
}

func parseBounceWebhookSecret(c *Config, v string) error {
	c.BounceWebhookSecret = v
	return secretSetting(v)
}

func parseSoftBounceLimit(c *Config, v string) (err error) {
	c.SoftBounceLimit, err = whole(v, 1, 100, "soft bounces")
	return err
}

// parseSESTopics reports every bad ARN of the list.
func parseSESTopics(c *Config, v string) error {
	if v == "" {
		return nil
	}
	var errs []error
	for _, arn := range strings.Split(v, ",") {
		arn = strings.TrimSpace(arn)
		if _, err := provider.NewSES(provider.SESConfig{TopicARNs: []string{arn}}); err != nil {
			errs = append(errs, fmt.Errorf("%q is not an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:bounces", arn))
			continue
		}
		c.SESTopicARNs = append(c.SESTopicARNs, arn)
	}
	return errors.Join(errs...)
}

func parsePostmarkUser(c *Config, v string) error {
	c.PostmarkUser = v
	return plainText("the user", v)
}

func parsePostmarkPassword(c *Config, v string) error {
	c.PostmarkPassword = v
	return plainText("the password", v)
}

func parseMailgunKey(c *Config, v string) error {
	c.MailgunKey = v
	return plainText("the key", v)
}

func parseSendGridKey(c *Config, v string) error {
	c.SendGridKey = v
	if v == "" {
		return nil
	}
	if _, err := provider.NewSendGrid(provider.SendGridConfig{VerificationKey: v}); err != nil {
		return fmt.Errorf("not a SendGrid verification key (an ECDSA P-256 public key, base64 or PEM): %w", err)
	}
	return nil
}

func parseBrevoToken(c *Config, v string) error {
	c.BrevoToken = v
	return plainText("the token", v)
}

// bounceTogether checks the bounce settings that need others.
func bounceTogether(c *Config) []string {
	var errs []string
	if c.BounceSMTPAddr != "" && c.BounceDomain == "" {
		errs = append(errs, "DRIP_BOUNCE_SMTP_ADDR: the receiver takes mail for DRIP_BOUNCE_DOMAIN's return addresses only, so set DRIP_BOUNCE_DOMAIN too")
	}
	if (c.PostmarkUser == "") != (c.PostmarkPassword == "") {
		errs = append(errs, "DRIP_POSTMARK_WEBHOOK_PASSWORD: Postmark's webhook needs both a user and a password, or neither")
	}
	return errs
}

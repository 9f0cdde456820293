// Package provider receives the bounce and complaint webhooks of mail
// providers. For each provider it authenticates a request exactly the way
// that provider signs it, reads its events into bounce.Reports (Source is
// the provider's name, EventID its event id, MessageID the Message-ID
// dripcourse set when the event carries it, Recipient lower-cased), and
// says precisely why a request was refused. A request that fails
// authentication yields no report.
//
// The providers and how each is authenticated:
//
//   - SES (Amazon SES through an SNS topic): the SNS message signature,
//     SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA), checked
//     against the certificate at SigningCertURL, which must be an https
//     URL on an Amazon SNS host (sns.<region>.amazonaws.com or, in China,
//     .amazonaws.com.cn); the topic must be in an allowlist. Subscription
//     confirmations are verified the same way, then confirmed or handed
//     to the caller.
//   - Postmark: HTTP Basic credentials from the webhook URL, optionally
//     also an allowlist of networks. Postmark does not sign.
//   - Mailgun: the HMAC-SHA256 of the signed timestamp and token in the
//     body, a freshness window, and single-use tokens.
//   - SendGrid: the Signed Event Webhook, ECDSA P-256 over the timestamp
//     header and the raw body, and a freshness window.
//   - Brevo: a bearer token or Basic credentials. Brevo does not sign.
//   - Generic: a documented JSON format (see GenericConfig) signed with a
//     shared secret, for any other mail system.
//
// Handler serves any Provider: it caps the body, answers 401 or 403 when
// authentication fails, 400 for a malformed body, 413 for an oversized
// one, 503 when the reports could not be recorded, and 200 once they are;
// it tells its Refused hook once about each refusal.
//
// The package does no storage and reads no settings: the caller builds
// each provider from its configuration and records the reports, matching
// them to deliveries by Message-ID, then by recipient. Failures are
// classified by the shared policy, bounce.Classify, with the provider's
// own verdict weighed in: a permanent one makes a Soft failure that is
// not about our sending Hard, a full mailbox aside (see kindOf).
package provider

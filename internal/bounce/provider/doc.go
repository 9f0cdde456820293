// Package provider receives the bounce and complaint webhooks of mail
// providers. For each provider it authenticates a request exactly the way
// that provider signs it, reads its events into bounce.Reports (Source is
// the provider's name, EventID its event id, MessageID the Message-ID
// dripcourse set when the event carries it, Recipient lower-cased), and
// says precisely why a request was refused. A request that fails
// authentication yields no report.
//
// Handler serves any Provider: it caps the body, answers 401 or 403 when
// authentication fails, 400 for a malformed body and 200 once the reports
// are accepted, and tells its Refused hook once about each refusal.
//
// The package does no storage and reads no settings: the caller builds
// each provider from its configuration and records the reports.
package provider

// Package bounce reads the reports that arrive after a message was sent:
// delivery status notifications (RFC 3464), complaint feedback reports
// (RFC 5965), the non-standard bounces common mail servers still send, and
// auto-replies that only look like them. It turns each into a Report with
// a Kind that the store's policy acts on. It does no I/O of its own and
// never imports the store: callers hand it bytes and get reports back.
//
// Parse reads one message; Classify and ClassifyFeedback are the policy,
// shared with provider webhooks. Neither verifies the VERP token it finds:
// the caller does, and a report whose token, Message-ID and recipient all
// fail to match must change nothing.
//
// # What the parser relies on
//
// A DSN is a multipart/report (RFC 6522) with report-type=delivery-status.
// Its parts are a text for people, a message/delivery-status part, and
// optionally the original as message/rfc822 or its header alone as
// text/rfc822-headers. The delivery-status body is written in header
// syntax: one block of per-message fields (Reporting-MTA, Arrival-Date)
// and, after a blank line each, one block per recipient with
// Final-Recipient, optionally Original-Recipient, Action, Status,
// Diagnostic-Code and Last-Attempt-Date (RFC 3464 sections 2.2 and 2.3).
// Address fields are "type; address"; Diagnostic-Code is "type; text"
// where type is usually smtp. Action is one of failed, delayed, delivered,
// relayed and expanded. RFC 6533 adds message/global-delivery-status,
// where the fields may hold UTF-8 and a utf-8 address type escapes
// characters as \x{HEX}.
//
// Status codes are class.subject.detail (RFC 3463): class 2 success, 4
// transient, 5 permanent; subject 1 addressing (X.1.1 no such mailbox,
// X.1.2 no such domain, X.1.7 and X.1.8 bad sender address), 2 mailbox
// (X.2.1 disabled, X.2.2 full), 3 mail system, 4 network and routing
// (X.4.7 delivery time expired), 5 protocol, 6 content, 7 security and
// policy (X.7.1 not authorised, 5.7.26 of RFC 7372 unauthenticated
// sender). Basic SMTP replies (RFC 5321 section 4.2) are three digits
// whose first is the class; a multi-line reply repeats the code with a
// hyphen ("550-5.1.1").
//
// An ARF report (RFC 5965) is a multipart/report with
// report-type=feedback-report whose second part, message/feedback-report,
// holds Feedback-Type, User-Agent and Version and, optionally,
// Original-Mail-From (the original envelope sender, our VERP address),
// Original-Rcpt-To, Arrival-Date and Reporting-MTA. The third part is the
// original message or its header. Feedback types are abuse, fraud, other
// and virus (RFC 5965), auth-failure (RFC 6591) and not-spam (RFC 6650).
//
// Auto-replies carry Auto-Submitted: auto-replied (RFC 3834), or one of
// the headers vacation programs use instead (X-Autoreply, X-Autorespond,
// Precedence: auto_reply), or a subject such as "Out of Office" or
// "Automatic reply". Postfix marks its bounces Auto-Submitted too, so that
// header alone is weighed after the bounce readings.
//
// Non-standard bounces are text for people with a fixed shape per mail
// system, written from each system's documented or observed output:
// Postfix ("This is the mail system at host ...", then "<addr>: host ...
// said: 550 ..."), Exim ("This message was created automatically by mail
// delivery software", then the failed addresses indented under "The
// following address(es) failed:"), Sendmail ("----- The following
// addresses had permanent fatal errors -----" and a session transcript),
// qmail and Yahoo ("<addr>:" on its own line, then "Remote host said:
// ..."), Exchange and Outlook.com ("Delivery has failed to these
// recipients or groups:", "Remote Server returned '550 5.1.10 ...'",
// "#550 5.1.1 ... ##", the original header after "Original message
// headers:"), and Gmail ("Delivery to the following recipient failed
// permanently:" or "Your message wasn't delivered to ..."). Each quotes
// the original message after a marker line, and the text before it is the
// only part searched for failures. Their subjects ("Undelivered Mail
// Returned to Sender", "Mail delivery failed", "Undeliverable:",
// "failure notice", "Returned mail:") and those of auto-replies are
// matched only at the start, because the rest quotes the lesson's own
// subject; a subject that starts "Re:" or "Fwd:" is a person's message
// whatever its text quotes.
//
// # Bounds
//
// Parse refuses messages over MaxSize and reads at most maxParts MIME
// leaves, maxDepth levels of multipart, maxFields fields of maxFieldLen
// bytes per header block, maxRecipients recipients per report and
// maxText bytes of text; every scan is a single pass or a linear-time
// regular expression, so time and memory grow linearly with the input.
package bounce

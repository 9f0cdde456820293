package bounce

import "strings"

// maxClassified bounds the diagnostic that Classify reads, so that a
// provider event with a huge text costs no more than a report's.
const maxClassified = 4 << 10

// Classify is the policy: it maps one recipient's DSN action, status code
// (enhanced, or a basic reply code) and diagnostic text to a Kind, and says
// whether the failure is about our own sending. Mail reports and provider events both go
// through it, so one rule decides what a bounce means.
//
//   - Ignore: the actions delayed, delivered, relayed and expanded, and any
//     2.x.x status. A delay is not a failure until the sender gives up.
//   - Our sending (Soft, ourSending true, never Hard): X.7.x (security and
//     policy, RFC 3463 section 3.8, including 5.7.1 relaying denied and
//     5.7.26 unauthenticated), X.1.7 and X.1.8 (our sender address), and
//     any diagnostic that names a block list, SPF, DKIM, DMARC, policy,
//     reputation, relaying or spam. When in doubt it is ours: that never
//     charges the reader.
//   - Hard: 5.1.x (bad mailbox or domain), 5.2.1 (mailbox disabled), X.4.7
//     (delivery time expired), a failed action with 4.4.x (the sender gave
//     up on an unreachable host) or with an expiry diagnostic, and an
//     unspecific 5.x.x (5.0.0, a plain 550/551/553/554, or 5.3/5.4/5.5)
//     whose diagnostic says the mailbox or domain does not exist or that
//     the sender gave up. A failed action with no status at all is read
//     as 5.0.0.
//   - Soft: every other failure, including 4.x.x, 5.2.2 (mailbox full) and
//     a bounce whose status cannot be read at all.
//
// An action of "complaint" gives Complaint.
func Classify(action, status, diagnostic string) (kind Kind, ourSending bool) {
	if len(diagnostic) > maxClassified {
		diagnostic = diagnostic[:maxClassified]
	}
	act := strings.ToLower(strings.TrimSpace(action))
	switch act {
	case "delayed", "delivered", "relayed", "expanded":
		return Ignore, false
	case "complaint":
		return Complaint, false
	}
	// A provider may give a basic code ("550") where a DSN has an
	// enhanced one; either may be missing and the diagnostic say it.
	st := statusField(status)
	if st == "" {
		st = StatusFromText(status)
	}
	if st == "" {
		st = StatusFromText(diagnostic)
	}
	diag := strings.ToLower(diagnostic)
	switch {
	case strings.HasPrefix(st, "2."):
		return Ignore, false
	case aboutOurSending(st, diag):
		return Soft, true
	case hard(act, st, diag):
		return Hard, false
	}
	return Soft, false
}

// ClassifyFeedback maps an ARF Feedback-Type (RFC 5965 section 7.3, RFC
// 6591, RFC 6650) to a Kind. abuse, fraud, other and any type not known
// here are Complaint: a feedback loop sends a report only because the
// reader flagged the message, and mailing them on costs reputation.
// not-spam is Ignore. auth-failure (our DKIM, SPF or DMARC failed) and
// virus (our message was flagged as carrying one) are Ignore with
// ourSending true: they are about us, not the reader.
func ClassifyFeedback(feedbackType string) (kind Kind, ourSending bool) {
	switch strings.ToLower(strings.TrimSpace(feedbackType)) {
	case "not-spam":
		return Ignore, false
	case "auth-failure", "virus":
		return Ignore, true
	}
	return Complaint, false
}

// aboutOurSending reports a failure caused by how we send.
func aboutOurSending(st, diag string) bool {
	if subject(st) == '7' || strings.HasSuffix(st, ".1.7") || strings.HasSuffix(st, ".1.8") {
		return true
	}
	for _, w := range ourWords {
		if hasWord(diag, w) {
			return true
		}
	}
	return false
}

// hard reports a failure that says the address will never take mail.
func hard(act, st, diag string) bool {
	if st == "" {
		if act != "failed" {
			return false
		}
		// A failure with no code at all reads like an unspecified 5.0.0.
		st = "5.0.0"
	}
	subj, detail := subject(st), st[4:]
	if subj == '4' && detail == "7" {
		return true
	}
	if st[0] == '4' {
		return act == "failed" && subj != '2' && (subj == '4' || containsAny(diag, expiredWords))
	}
	switch subj {
	case '1':
		return true
	case '2':
		return detail == "1" || detail == "0" && containsAny(diag, goneWords)
	case '0', '3', '4', '5':
		return containsAny(diag, goneWords) || act == "failed" && containsAny(diag, expiredWords)
	}
	return false
}

// subject returns the subject digit of a status code, or 0.
func subject(st string) byte {
	if len(st) < 5 {
		return 0
	}
	return st[2]
}

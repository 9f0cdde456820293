package bounce

import "testing"

func TestClassify(t *testing.T) {
	cases := []struct {
		name                 string
		action, status, diag string
		kind                 Kind
		ours                 bool
	}{
		// Hard: the address will never take mail.
		{"bad mailbox", "failed", "5.1.1", "smtp; 550 5.1.1 <a@example.org>: Recipient address rejected: User unknown", Hard, false},
		{"bad domain", "failed", "5.1.2", "Host or domain name not found", Hard, false},
		{"microsoft recipient not found", "failed", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound", Hard, false},
		{"status with comment", "failed", "5.1.1 (bad destination mailbox address)", "", Hard, false},
		{"disabled", "failed", "5.2.1", "550 5.2.1 The email account that you tried to reach is disabled", Hard, false},
		{"5.0.0 user unknown", "failed", "5.0.0", "550 User unknown", Hard, false},
		{"plain 550 no such user", "failed", "", "550 No such user here", Hard, false},
		{"plain 551 user not local", "failed", "", "551 User not local; no such mailbox", Hard, false},
		{"plain 553 mailbox name", "failed", "", "553 sorry, mailbox does not exist", Hard, false},
		{"yahoo 554 no account", "failed", "", "554 delivery error: dd This user doesn't have a yahoo.com account", Hard, false},
		{"expired 4.4.7", "failed", "4.4.7", "Message expired", Hard, false},
		{"5.4.7 expired", "failed", "5.4.7", "delivery time expired", Hard, false},
		{"gave up on unreachable host", "failed", "4.4.1", "connect to mx.example.org: Connection timed out", Hard, false},
		{"exim retry timeout", "failed", "4.0.0", "retry timeout exceeded", Hard, false},
		{"5.4.4 unrouteable", "failed", "5.4.4", "Unrouteable address", Hard, false},
		{"no action, hard status", "", "5.1.1", "", Hard, false},
		{"basic code as status", "failed", "550", "No such user", Hard, false},
		{"basic 4xx as status", "failed", "421", "try later", Soft, false},

		// Soft: counted, not final.
		{"mailbox full", "failed", "5.2.2", "552 5.2.2 Mailbox full", Soft, false},
		{"transient", "failed", "4.2.1", "451 4.2.1 try again later", Soft, false},
		{"failed after mailbox stayed full", "failed", "4.2.2", "retry timeout exceeded", Soft, false},
		{"message too large", "failed", "5.3.4", "552 5.3.4 Message size exceeds fixed limit", Soft, false},
		{"server trouble", "failed", "5.3.0", "554 5.3.0 Mail system full", Soft, false},
		{"protocol", "failed", "5.5.2", "500 5.5.2 Syntax error", Soft, false},
		{"content", "failed", "5.6.0", "554 5.6.0 Message could not be converted", Soft, false},
		{"plain 550 without reason", "failed", "", "550 Rejected", Soft, false},
		{"5.0.0 without reason", "failed", "5.0.0", "", Soft, false},
		{"nothing at all", "", "", "", Soft, false},
		{"4.x not given up", "", "4.4.1", "connection refused", Soft, false},

		// Our sending: never the reader's fault, never Hard.
		{"relay denied", "failed", "5.7.1", "554 5.7.1 <a@example.org>: Relay access denied", Soft, true},
		{"unauthenticated", "failed", "5.7.26", "550-5.7.26 This mail has been blocked because the sender is unauthenticated", Soft, true},
		{"4.7 rate limit", "failed", "4.7.28", "421 4.7.28 rate limited", Soft, true},
		{"spamhaus on a 5.1.1", "failed", "5.1.1", "550 5.1.1 Service unavailable; client host blocked using zen.spamhaus.org", Soft, true},
		{"spf", "failed", "5.0.0", "550 SPF check failed", Soft, true},
		{"dkim", "failed", "", "550 DKIM signature invalid", Soft, true},
		{"dmarc", "failed", "5.7.1", "rejected per DMARC policy", Soft, true},
		{"policy", "failed", "5.0.0", "554 Message rejected due to local policy", Soft, true},
		{"blocklist", "failed", "", "554 Your IP is on our blocklist", Soft, true},
		{"black list", "failed", "5.5.0", "550 5.5.0 Sender IP on black list", Soft, true},
		{"bad sender address", "failed", "5.1.8", "553 5.1.8 Sender address rejected: Domain not found", Soft, true},
		{"spam content", "failed", "5.0.0", "550 Message looks like spam", Soft, true},
		{"spf word only", "failed", "5.1.1", "550 5.1.1 unknown user (spfoo is not a word)", Hard, false},

		// Ignore: not failures.
		{"delayed", "delayed", "4.4.1", "connection timed out", Ignore, false},
		{"delayed 5.x", "delayed", "5.1.1", "", Ignore, false},
		{"delivered", "delivered", "2.0.0", "250 OK", Ignore, false},
		{"relayed", "relayed", "2.0.0", "", Ignore, false},
		{"expanded", "expanded", "2.0.0", "", Ignore, false},
		{"status 2 without action", "", "2.0.0", "", Ignore, false},
		{"action case", "Delayed", "4.0.0", "", Ignore, false},

		{"complaint", "complaint", "", "", Complaint, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kind, ours := Classify(c.action, c.status, c.diag)
			if kind != c.kind || ours != c.ours {
				t.Errorf("Classify(%q, %q, %q) = %s, ours %v; want %s, ours %v",
					c.action, c.status, c.diag, kind, ours, c.kind, c.ours)
			}
		})
	}
}

func TestClassifyFeedback(t *testing.T) {
	cases := []struct {
		typ  string
		kind Kind
		ours bool
	}{
		{"abuse", Complaint, false},
		{"Abuse", Complaint, false},
		{"fraud", Complaint, false},
		{"other", Complaint, false},
		{"", Complaint, false},
		{"something-new", Complaint, false},
		{"not-spam", Ignore, false},
		{"auth-failure", Ignore, true},
		{"virus", Ignore, true},
	}
	for _, c := range cases {
		kind, ours := ClassifyFeedback(c.typ)
		if kind != c.kind || ours != c.ours {
			t.Errorf("ClassifyFeedback(%q) = %s, %v; want %s, %v", c.typ, kind, ours, c.kind, c.ours)
		}
	}
}

func TestStatusFromText(t *testing.T) {
	cases := map[string]string{
		"550 5.1.1 <a@example.org>: User unknown":        "5.1.1",
		"550-5.1.1 The email account does not exist":     "5.1.1",
		"#550 5.1.10 RESOLVER.ADR.RecipientNotFound; ##": "5.1.10",
		"Sorry, no mailbox here by that name. (#5.1.1)":  "5.1.1",
		"host [192.0.2.1] said: 550 No such user":        "5.0.0",
		"421 Try again later":                            "4.0.0",
		"Remote host said: 554 delivery error":           "5.0.0",
		"Exim 4.94.2 could not connect to 192.0.2.10":    "",
		"the message was sent at 2024-01-02 10:00:00":    "",
		"smtp; 5.2.2 mailbox full":                       "5.2.2",
	}
	for in, want := range cases {
		if got := StatusFromText(in); got != want {
			t.Errorf("StatusFromText(%q) = %q, want %q", in, got, want)
		}
	}
}

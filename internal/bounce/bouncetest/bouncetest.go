// Package bouncetest writes the reports a remote mail system sends back
// after a message of ours failed or was flagged, for tests and the
// benchmark: a delivery status notification (RFC 3464) in Postfix's
// shape, and a complaint feedback report (RFC 5965) in the shape
// feedback loops send. Both quote the original message's header with its
// Return-Path (our VERP address) and Message-ID, as real reports do.
package bouncetest

import (
	"fmt"
	"strings"
)

// Original is what a report says about the message it is about.
type Original struct {
	// ReturnPath is the message's envelope sender, b+TOKEN@domain (or
	// the From address without a bounce domain).
	ReturnPath string
	// Recipient is the address the message was sent to.
	Recipient string
	// MessageID is the message's Message-ID, without brackets.
	MessageID string
}

// DSN is a delivery status notification for o: Action failed (or
// delayed), with status and the remote server's diagnostic, sent to the
// return path by the reporting server mx.example.net. id makes the
// report's own Message-ID, so two calls with the same id are the same
// report.
func DSN(o Original, action, status, diagnostic, id string) []byte {
	text := fmt.Sprintf(`Return-Path: <>
Date: Tue, 01 Dec 2026 15:00:00 +0000
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: %[1]s
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b-%[5]s"
Message-Id: <dsn-%[5]s@mx.example.net>

--b-%[5]s
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

<%[2]s>: host mx2.example.net said: %[4]s

--b-%[5]s
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Sender: rfc822; %[1]s

Final-Recipient: rfc822; %[2]s
Action: %[6]s
Status: %[3]s
Diagnostic-Code: smtp; %[4]s

--b-%[5]s
Content-Type: text/rfc822-headers

Return-Path: <%[1]s>
From: "Course" <lessons@example.test>
To: %[2]s
Subject: Lesson 1
Message-ID: <%[7]s>

--b-%[5]s--
`, o.ReturnPath, o.Recipient, status, diagnostic, id, action, o.MessageID)
	return []byte(strings.ReplaceAll(text, "\n", "\r\n"))
}

// ARF is a complaint feedback report (Feedback-Type abuse) about o from
// the feedback loop of example.net, sent to the return path.
func ARF(o Original, id string) []byte {
	text := fmt.Sprintf(`Return-Path: <>
Date: Tue, 01 Dec 2026 16:00:00 +0000
From: fbl@example.net
Subject: Complaint about message from 203.0.113.25
To: %[1]s
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="f-%[3]s"
Message-Id: <arf-%[3]s@fbl.example.net>

--f-%[3]s
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for an email message received from IP 203.0.113.25.

--f-%[3]s
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <%[1]s>
Original-Rcpt-To: <%[2]s>

--f-%[3]s
Content-Type: text/rfc822-headers

Return-Path: <%[1]s>
From: "Course" <lessons@example.test>
To: %[2]s
Subject: Lesson 1
Message-ID: <%[4]s>

--f-%[3]s--
`, o.ReturnPath, o.Recipient, id, o.MessageID)
	return []byte(strings.ReplaceAll(text, "\n", "\r\n"))
}

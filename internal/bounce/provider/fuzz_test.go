package provider

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// seed adds the testdata files matching pattern, and a few hostile
// bodies, to f's corpus.
func seed(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, name := range files {
		f.Add(readFile(f, filepath.Base(name)))
	}
	for _, s := range []string{"", "null", "[]", "{}", "[null]", `{"events":[null]}`, "\x00\xff", `"string"`, "1e400"} {
		f.Add(s)
	}
}

// checkParsed holds for whatever a parser returns: an error comes with
// no report, and every report is clean.
func checkParsed(t *testing.T, reports []bounce.Report, err error, source string) {
	t.Helper()
	if err != nil {
		if len(reports) != 0 {
			t.Fatalf("error %v came with %d reports", err, len(reports))
		}
		if !strings.HasPrefix(err.Error(), "provider: ") {
			t.Fatalf("error %q lacks the package prefix", err)
		}
		return
	}
	for _, r := range reports {
		switch {
		case r.Source != source:
			t.Fatalf("source %q, want %q", r.Source, source)
		case r.Kind != bounce.Hard && r.Kind != bounce.Soft && r.Kind != bounce.Complaint && r.Kind != bounce.Ignore:
			t.Fatalf("kind %q", r.Kind)
		case r.Recipient != strings.ToLower(r.Recipient) || strings.ContainsAny(r.Recipient, " \r\n<>"):
			t.Fatalf("recipient %q not clean", r.Recipient)
		case strings.ContainsAny(r.MessageID, " \r\n") || strings.HasPrefix(r.MessageID, "<"):
			t.Fatalf("message id %q not clean", r.MessageID)
		case len(r.Diagnostic) > maxDiagnostic || !utf8.ValidString(r.Diagnostic) || strings.ContainsAny(r.Diagnostic, "\r\n"):
			t.Fatalf("diagnostic not clean: %q", r.Diagnostic)
		case len(r.EventID) > maxEventID:
			t.Fatalf("event id of %d bytes", len(r.EventID))
		case r.Status != "" && validStatus(r.Status) != r.Status:
			t.Fatalf("status %q", r.Status)
		}
	}
}

func FuzzSESNotification(f *testing.F) {
	seed(f, "ses-*.json")
	f.Fuzz(func(t *testing.T, message string) {
		reports, err := sesReports(&snsMessage{Type: "Notification", MessageID: "m-1", Message: message,
			Timestamp: "2026-03-10T11:59:30.000Z"})
		checkParsed(t, reports, err, "ses")
	})
}

func FuzzSNSEnvelope(f *testing.F) {
	f.Add(`{"Type":"Notification","MessageId":"1","TopicArn":"` + testTopic + `","Message":"{}","Timestamp":"t","SignatureVersion":"1","Signature":"AA==","SigningCertURL":"` + testCertURL + `"}`)
	f.Add(`{"Type":"SubscriptionConfirmation","Subject":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		var m snsMessage
		if json.Unmarshal([]byte(body), &m) != nil || requireSignature(&m) != nil {
			return
		}
		if signed, err := stringToSign(&m); err == nil && !strings.HasSuffix(string(signed), "Type\n"+m.Type+"\n") {
			t.Fatalf("string to sign does not end with the type: %q", signed)
		}
		if u, err := certURL(m.SigningCertURL); err == nil && (u.Scheme != "https" || !snsHost.MatchString(strings.ToLower(u.Hostname()))) {
			t.Fatalf("certificate URL %q accepted", m.SigningCertURL)
		}
	})
}

func FuzzCertURL(f *testing.F) {
	for _, s := range []string{testCertURL, "https://sns.us-east-1.amazonaws.com@evil.com/x.pem",
		"https://evil.com#@sns.us-east-1.amazonaws.com/x.pem", "https://sns.cn-north-1.amazonaws.com.cn/x.pem"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := certURL(raw)
		if err != nil {
			return
		}
		host := u.Hostname()
		if u.Scheme != "https" || u.User != nil || !snsHost.MatchString(strings.ToLower(host)) ||
			!(strings.HasSuffix(strings.ToLower(host), ".amazonaws.com") || strings.HasSuffix(strings.ToLower(host), ".amazonaws.com.cn")) {
			t.Fatalf("%q accepted with host %q", raw, host)
		}
	})
}

func FuzzPostmark(f *testing.F) {
	seed(f, "postmark-*.json")
	f.Fuzz(func(t *testing.T, body string) {
		reports, err := postmarkReports([]byte(body))
		checkParsed(t, reports, err, "postmark")
	})
}

func FuzzMailgunEvent(f *testing.F) {
	seed(f, "mailgun-*.json")
	f.Fuzz(func(t *testing.T, body string) {
		var b mailgunBody
		if json.Unmarshal([]byte(body), &b) != nil || b.Event == nil {
			return
		}
		checkParsed(t, b.Event.reports(), nil, "mailgun")
	})
}

func FuzzSendGrid(f *testing.F) {
	seed(f, "sendgrid-*.json")
	f.Fuzz(func(t *testing.T, body string) {
		reports, err := sendgridReports([]byte(body))
		checkParsed(t, reports, err, "sendgrid")
	})
}

func FuzzBrevo(f *testing.F) {
	seed(f, "brevo-*.json")
	f.Fuzz(func(t *testing.T, body string) {
		reports, err := brevoReports([]byte(body))
		checkParsed(t, reports, err, "brevo")
	})
}

func FuzzGeneric(f *testing.F) {
	seed(f, "generic-*.json")
	f.Fuzz(func(t *testing.T, body string) {
		reports, err := genericReports([]byte(body))
		checkParsed(t, reports, err, "generic")
	})
}

func FuzzEnhancedStatus(f *testing.F) {
	for _, s := range []string{"smtp; 550 5.1.1 user unknown", "1.2.3.4", "5.1.1.", "4.44.444"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := enhancedStatus(s); got != "" && (validStatus(got) != got || !strings.Contains(s, got)) {
			t.Fatalf("enhancedStatus(%q) = %q", s, got)
		}
	})
}

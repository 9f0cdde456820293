package bounce

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds Parse arbitrary messages, seeded with the corpus (and
// whatever testdata/fuzz/FuzzParse holds), and checks what every answer
// must be: an error from the documented set or reports that are bounded,
// valid, classified, and the same on a second run.
func FuzzParse(f *testing.F) {
	for _, name := range corpus(f) {
		raw, err := os.ReadFile(name + ".eml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, "")
	}
	f.Add([]byte("From: a@example.org\n\n"), "b+x@bounces.example.com")
	f.Fuzz(func(t *testing.T, raw []byte, envelope string) {
		opt := Options{Domain: testDomain, Envelope: envelope}
		rs, err := Parse(raw, opt)
		if err != nil {
			if rs != nil || !(errors.Is(err, ErrNotMessage) || errors.Is(err, ErrNotReport) || errors.Is(err, ErrTooLarge)) {
				t.Fatalf("Parse = %d reports, %v", len(rs), err)
			}
			return
		}
		if len(rs) == 0 || len(rs) > maxRecipients {
			t.Fatalf("Parse returned %d reports", len(rs))
		}
		for _, r := range rs {
			checkInvariants(t, r)
		}
		again, _ := Parse(raw, opt)
		if !reflect.DeepEqual(rs, again) {
			t.Fatalf("Parse is not deterministic:\n%s\n%s", dump(rs), dump(again))
		}
	})
}

func checkInvariants(t *testing.T, r Report) {
	t.Helper()
	switch r.Kind {
	case Hard, Soft, Complaint, Ignore:
	default:
		t.Fatalf("kind %q", r.Kind)
	}
	if r.Kind == Hard && r.OurSending {
		t.Fatalf("a failure of our sending was classified Hard: %+v", r)
	}
	if r.Recipient != strings.ToLower(r.Recipient) || len(r.Recipient) > 254 {
		t.Fatalf("recipient %q", r.Recipient)
	}
	if r.Recipient != "" && strings.Count(r.Recipient, "@") < 1 {
		t.Fatalf("recipient %q is no address", r.Recipient)
	}
	if r.Status != "" && statusField(r.Status) != r.Status {
		t.Fatalf("status %q", r.Status)
	}
	if len(r.Diagnostic) > maxDiagnostic || len(r.MessageID) > maxIDLen || len(r.Token) > 512 {
		t.Fatalf("unbounded field in %+v", r)
	}
	for _, s := range []string{r.Recipient, r.Action, r.Diagnostic, r.Token, r.MessageID, r.FeedbackType} {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\t") {
			t.Fatalf("field %q is not clean text", s)
		}
	}
}

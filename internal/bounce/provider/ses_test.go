package provider

import (
	"reflect"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// checkReports compares reports field by field, so a failure names the
// field.
func checkReports(t *testing.T, got, want []bounce.Report) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d reports, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("report %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestSESReports(t *testing.T) {
	f := newSNSFixture(t)
	s := f.ses(t)
	const sns = "5f1a0c1e-0000-4000-8000-000000000001"
	tests := []struct {
		file string
		want []bounce.Report
	}{
		{"ses-bounce.json", []bounce.Report{{
			Recipient: "reader.one@example.org", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "smtp; 550 5.1.1 <reader.one@example.org>: Recipient address rejected: User unknown",
			MessageID:  "d42.l3.1741600000@mail.example.com", Source: "ses", At: at("2026-03-10T11:58:01Z"),
			EventID: "0100018e2b7c9f00-fake-feedback-0001-000000/reader.one@example.org",
		}, {
			Recipient: "reader.two@example.net", Status: "5.7.1", Action: "failed", Kind: bounce.Soft, OurSending: true,
			Diagnostic: "smtp; 550 5.7.1 Service unavailable; client [192.0.2.10] blocked using a block list",
			MessageID:  "d42.l3.1741600000@mail.example.com", Source: "ses", At: at("2026-03-10T11:58:01Z"),
			EventID: "0100018e2b7c9f00-fake-feedback-0001-000000/reader.two@example.net",
		}}},
		{"ses-complaint.json", []bounce.Report{{
			Recipient: "reader.three@example.com", Action: "complaint", Kind: bounce.Complaint, FeedbackType: "abuse",
			MessageID: "d43.l2.1741500000@mail.example.com", Source: "ses", At: at("2026-03-10T11:55:00Z"),
			EventID: "0100018e2b7cfake-complaint-0002-000000/reader.three@example.com",
		}}},
		{"ses-delivery.json", []bounce.Report{{
			Recipient: "reader.four@example.com", Action: "delivered", Kind: bounce.Ignore,
			Diagnostic: "250 2.6.0 Message received", MessageID: "d44.l1.1741590000@mail.example.com",
			Source: "ses", At: at("2026-03-10T11:00:02Z"), EventID: sns + "/reader.four@example.com",
		}}},
		{"ses-event-bounce.json", []bounce.Report{{
			Recipient: "reader.five@example.com", Status: "5.2.2", Action: "failed", Kind: bounce.Soft,
			Diagnostic: "smtp; 552 5.2.2 Mailbox full", MessageID: "d45.l4.1741600100@mail.example.com",
			Source: "ses", At: at("2026-03-10T11:59:00Z"),
			EventID: "0100018e2b7cfake-event-bounce-0003-000000/reader.five@example.com",
		}}},
		{"ses-event-delay.json", []bounce.Report{{
			Recipient: "reader.six@example.com", Status: "4.4.1", Action: "delayed", Kind: bounce.Ignore,
			Diagnostic: "smtp; 421 4.4.1 Connection timed out", MessageID: "d46.l5.1741600200@mail.example.com",
			Source: "ses", At: at("2026-03-10T11:00:00Z"), EventID: sns + "/reader.six@example.com",
		}}},
		{"ses-event-open.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			reports, err := sesPost(t, s, jsonBody(t, f.notification(t, readFile(t, tc.file), "2")))
			if err != nil {
				t.Fatal(err)
			}
			checkReports(t, reports, tc.want)
		})
	}
}

// TestKindOf: provider failures go through the shared policy
// (bounce.Classify, which reads the diagnostic too), and a provider's
// permanent verdict makes a Soft failure that is not about our sending
// Hard, except a full mailbox.
func TestKindOf(t *testing.T) {
	tests := []struct {
		v          verdict
		status     string
		diagnostic string
		kind       bounce.Kind
		ours       bool
	}{
		{permanent, "5.1.1", "", bounce.Hard, false},
		{permanent, "", "", bounce.Hard, false},
		{permanent, "5.7.1", "", bounce.Soft, true},
		{permanent, "5.5.0", "550 blocked using zen.spamhaus.org", bounce.Soft, true},
		{permanent, "5.2.2", "", bounce.Soft, false},
		{permanent, "4.4.7", "", bounce.Hard, false},
		{transient, "5.1.1", "", bounce.Hard, false},
		{transient, "4.2.2", "mailbox full", bounce.Soft, false},
		{transient, "4.7.0", "", bounce.Soft, true},
		{undetermined, "5.1.10", "", bounce.Hard, false},
		{undetermined, "5.2.1", "", bounce.Hard, false},
		{undetermined, "5.0.0", "", bounce.Soft, false},
		{undetermined, "5.0.0", "550 mailbox does not exist", bounce.Hard, false},
		{undetermined, "", "", bounce.Soft, false},
	}
	for _, tc := range tests {
		r := bounce.Report{Action: "failed", Status: tc.status, Diagnostic: tc.diagnostic}
		kind, ours := kindOf(tc.v, &r)
		if kind != tc.kind || ours != tc.ours {
			t.Errorf("kindOf(%d, %q, %q) = %s, %v; want %s, %v", tc.v, tc.status, tc.diagnostic, kind, ours, tc.kind, tc.ours)
		}
	}
}

func TestEnhancedStatus(t *testing.T) {
	tests := map[string]string{
		"smtp; 550 5.1.1 user unknown":               "5.1.1",
		"550-5.1.1 The email account does not exist": "5.1.1",
		"421 4.4.1 Connection timed out.":            "4.4.1",
		"host 192.0.2.4.5 said no":                   "",
		"client [1.2.3.4] blocked":                   "",
		"version 2.3.4.5":                            "",
		"5.7.1":                                      "5.7.1",
		"code 5.1.1234":                              "",
		"5.1.1. Bye":                                 "5.1.1",
		"":                                           "",
	}
	for in, want := range tests {
		if got := enhancedStatus(in); got != want {
			t.Errorf("enhancedStatus(%q) = %q, want %q", in, got, want)
		}
	}
}

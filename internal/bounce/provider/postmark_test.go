package provider

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

func postmarkRequest(body, user, password string) *http.Request {
	r := httptest.NewRequest("POST", "/webhooks/postmark", strings.NewReader(body))
	r.RemoteAddr = "50.31.156.6:40000"
	if user != "" || password != "" {
		r.SetBasicAuth(user, password)
	}
	return r
}

func newTestPostmark(t *testing.T, nets ...netip.Prefix) *Postmark {
	t.Helper()
	p, err := NewPostmark(PostmarkConfig{User: "postmark", Password: "s3cret-webhook-password", AllowedNets: nets})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPostmarkReports(t *testing.T) {
	p := newTestPostmark(t)
	tests := []struct {
		file string
		want []bounce.Report
	}{
		{"postmark-bounce.json", []bounce.Report{{
			Recipient: "reader.eight@example.com", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
			Diagnostic: "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
			MessageID:  "d50.l2.1741600300@mail.example.com", Source: "postmark",
			At: at("2026-03-10T11:58:54.9070259Z"), EventID: "4323372036854775807",
		}}},
		{"postmark-softbounce-content.json", []bounce.Report{{
			Recipient: "reader.nine@example.com", Status: "4.2.2", Action: "failed", Kind: bounce.Soft,
			Diagnostic: "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
			MessageID:  "d51.l5.1741600400@mail.example.com", Source: "postmark",
			At: at("2026-03-10T11:40:00Z"), EventID: "4323372036854775808",
		}}},
		{"postmark-spamcomplaint.json", []bounce.Report{{
			Recipient: "reader.ten@example.com", Action: "complaint", Kind: bounce.Complaint,
			Diagnostic: "Test spam complaint details", Source: "postmark", At: at("2026-03-10T11:45:00Z"), EventID: "42",
		}}},
		{"postmark-delivery.json", []bounce.Report{{
			Recipient: "reader.eleven@example.com", Action: "delivered", Kind: bounce.Ignore,
			Diagnostic: "smtp;250 2.0.0 OK", Source: "postmark", At: at("2026-03-10T11:30:00Z"),
			EventID: "delivered/00000000-0000-4000-8000-0000000000aa/reader.eleven@example.com",
		}}},
		{"postmark-open.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body := readFile(t, tc.file)
			reports, err := p.Reports(postmarkRequest(body, "postmark", "s3cret-webhook-password"), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			checkReports(t, reports, tc.want)
		})
	}
}

func TestPostmarkKinds(t *testing.T) {
	tests := map[string]bounce.Kind{
		"HardBounce": bounce.Hard, "BadEmailAddress": bounce.Hard, "SoftBounce": bounce.Soft,
		"Transient": bounce.Soft, "DnsError": bounce.Soft, "Unknown": bounce.Soft, "Blocked": bounce.Soft,
		"AutoResponder": bounce.Ignore, "AddressChange": bounce.Ignore, "ChallengeVerification": bounce.Ignore,
		"ManuallyDeactivated": bounce.Ignore, "SomethingNew": bounce.Ignore, "SpamComplaint": bounce.Complaint,
	}
	for typ, want := range tests {
		var r bounce.Report
		postmarkKind(&r, "Bounce", typ)
		if r.Kind != want {
			t.Errorf("%s: kind %s, want %s", typ, r.Kind, want)
		}
		if typ == "Blocked" && !r.OurSending {
			t.Errorf("Blocked charges the reader")
		}
	}
}

func TestPostmarkRefusals(t *testing.T) {
	body := readFile(t, "postmark-bounce.json")
	tests := []struct {
		name string
		req  *http.Request
		nets []netip.Prefix
		body string
		want error
	}{
		{"no credentials", postmarkRequest(body, "", ""), nil, body, ErrUnauthenticated},
		{"wrong password", postmarkRequest(body, "postmark", "s3cret-webhook-passwore"), nil, body, ErrUnauthenticated},
		{"wrong user", postmarkRequest(body, "postmarc", "s3cret-webhook-password"), nil, body, ErrUnauthenticated},
		{"password prefix", postmarkRequest(body, "postmark", "s3cret"), nil, body, ErrUnauthenticated},
		{"outside allowed nets", postmarkRequest(body, "postmark", "s3cret-webhook-password"),
			[]netip.Prefix{netip.MustParsePrefix("3.134.147.250/32")}, body, ErrForbidden},
		{"malformed JSON", postmarkRequest("{", "postmark", "s3cret-webhook-password"), nil, `{"RecordType": "Bounce",`, ErrMalformed},
		{"bounce without ID", postmarkRequest("", "postmark", "s3cret-webhook-password"), nil, `{"RecordType": "Bounce", "Email": "a@b.c"}`, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reports, err := newTestPostmark(t, tc.nets...).Reports(tc.req, []byte(tc.body))
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
		})
	}
	r := postmarkRequest(body, "postmark", "s3cret-webhook-password")
	p := newTestPostmark(t, netip.MustParsePrefix("50.31.156.0/24"))
	if _, err := p.Reports(r, []byte(body)); err != nil {
		t.Fatalf("request from an allowed network refused: %v", err)
	}
}

func TestPostmarkThroughHandler(t *testing.T) {
	var accepted []bounce.Report
	srv := httptest.NewServer(&Handler{Provider: newTestPostmark(t), Accept: acceptInto(&accepted)})
	defer srv.Close()
	post := func(body, password string) *http.Response {
		u := strings.Replace(srv.URL, "http://", "http://postmark:"+password+"@", 1)
		resp, err := srv.Client().Post(u, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(readFile(t, "postmark-bounce.json"), "wrong"); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("wrong password: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := post(`{"RecordType":"Bounce","ID":1,"Type":"HardBounce","Email":"x@example.com","Content":"`+strings.Repeat("x", 2<<20)+`"}`, "s3cret-webhook-password"); resp.StatusCode != 413 {
		t.Fatalf("2 MB body: %d, want 413", resp.StatusCode)
	}
	if len(accepted) != 0 {
		t.Fatalf("refused requests yielded %d reports", len(accepted))
	}
	if resp := post(readFile(t, "postmark-bounce.json"), "s3cret-webhook-password"); resp.StatusCode != 200 || len(accepted) != 1 {
		t.Fatalf("valid bounce: %d, %d reports", resp.StatusCode, len(accepted))
	}
}

func TestDumpMessageID(t *testing.T) {
	if got := dumpMessageID("Message-ID: <own@dsn>\n\nno original headers here\n"); got != "" {
		t.Errorf("took the bounce's own Message-ID: %q", got)
	}
	if got := dumpMessageID("Message-ID: <own@dsn>\n\nmessage-id:   <orig@x>  \n"); got != "orig@x" {
		t.Errorf("got %q, want orig@x", got)
	}
}

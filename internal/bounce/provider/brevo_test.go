package provider

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

const brevoToken = "brevo-webhook-token-0123456789"

func brevoRequest(auth string) *http.Request {
	r := httptest.NewRequest("POST", "/webhooks/brevo", nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

func TestBrevoReports(t *testing.T) {
	b, err := NewBrevo(BrevoConfig{Token: brevoToken})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(readFile(t, "brevo-hard-bounce.json"))
	reports, err := b.Reports(brevoRequest("Bearer "+brevoToken), body)
	if err != nil {
		t.Fatal(err)
	}
	checkReports(t, reports, []bounce.Report{{
		Recipient: "reader.twentyseven@example.com", Status: "5.1.1", Action: "failed", Kind: bounce.Hard,
		Diagnostic: "550 5.1.1 <reader.twentyseven@example.com>: Recipient address rejected: User unknown",
		MessageID:  "d90.l1.1741603000@mail.example.com", Source: "brevo", At: time.Unix(1773143880, 0).UTC(),
		EventID: "hard_bounce/d90.l1.1741603000@mail.example.com/1773143880123/reader.twentyseven@example.com",
	}})
	body = []byte(readFile(t, "brevo-batch.json"))
	reports, err = b.Reports(brevoRequest("bearer "+brevoToken), body)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 2 || reports[0].Kind != bounce.Soft || reports[0].Status != "4.2.2" || reports[1].Kind != bounce.Complaint {
		t.Fatalf("batch: %+v", reports)
	}
	if reports[0].EventID == reports[1].EventID {
		t.Fatal("two events share an id")
	}
}

func TestBrevoRefusals(t *testing.T) {
	body := []byte(readFile(t, "brevo-hard-bounce.json"))
	byToken, _ := NewBrevo(BrevoConfig{Token: brevoToken})
	byBasic, _ := NewBrevo(BrevoConfig{User: "brevo", Password: "basic-password-123"})
	basic := func(user, password string) *http.Request {
		r := brevoRequest("")
		r.SetBasicAuth(user, password)
		return r
	}
	tests := []struct {
		name string
		p    *Brevo
		req  *http.Request
		body []byte
		want error
	}{
		{"no token", byToken, brevoRequest(""), body, ErrUnauthenticated},
		{"wrong token", byToken, brevoRequest("Bearer " + brevoToken + "x"), body, ErrUnauthenticated},
		{"Basic where a token is wanted", byToken, basic("brevo", brevoToken), body, ErrUnauthenticated},
		{"wrong Basic password", byBasic, basic("brevo", "basic-password-124"), body, ErrUnauthenticated},
		{"token where Basic is wanted", byBasic, brevoRequest("Bearer basic-password-123"), body, ErrUnauthenticated},
		{"malformed JSON", byToken, brevoRequest("Bearer " + brevoToken), []byte(`{"event":`), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reports, err := tc.p.Reports(tc.req, tc.body)
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
		})
	}
	if _, err := byBasic.Reports(basic("brevo", "basic-password-123"), body); err != nil {
		t.Fatalf("right Basic credentials refused: %v", err)
	}
	for _, cfg := range []BrevoConfig{{}, {User: "u"}, {Token: "t", User: "u", Password: "p"}} {
		if _, err := NewBrevo(cfg); err == nil {
			t.Errorf("NewBrevo(%+v) accepted", cfg)
		}
	}
}

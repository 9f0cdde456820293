package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, nil)
	h.started("a@example.com", "b@example.com")
	res, err := http.Get(h.web.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	for _, want := range []string{
		`dripcourse_reader_events_total{event="signup"} 2`,
		`dripcourse_reader_events_total{event="confirm"} 2`,
		`dripcourse_sends_total{result="sent"} 2`,
		`dripcourse_send_seconds_count 2`,
		"dripcourse_deliveries_due 0",
		"dripcourse_tick_seconds_count",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestMetricsNeedTheToken(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_METRICS_TOKEN": "s3cret-token"})
	res, _ := http.Get(h.web.URL + "/metrics")
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without the token: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", h.web.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with the token: %d", res.StatusCode)
	}
}

// Behind a reverse proxy on the same host every client arrives from
// loopback; a forwarded request must not count as the machine's own.
func TestMetricsRefuseForwardedRequests(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_TRUSTED_PROXIES": "127.0.0.1/32"})
	for _, header := range []string{"X-Forwarded-For", "Forwarded", "X-Real-Ip"} {
		req, _ := http.NewRequest("GET", h.web.URL+"/metrics", nil)
		req.Header.Set(header, "198.51.100.77")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("with %s from a proxy on loopback: %d, want 403", header, res.StatusCode)
		}
	}
}

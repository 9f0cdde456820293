package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// localSiteEnv is the setting of a site that is not public, where /metrics
// answers loopback clients without a token.
var localSiteEnv = map[string]string{"DRIP_BASE_URL": "http://localhost:8080"}

func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_METRICS_TOKEN": "s3cret-token"})
	h.started("a@example.com", "b@example.com")
	req, _ := http.NewRequest("GET", h.web.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer s3cret-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	body := string(b)
	for _, want := range []string{
		`dripcourse_reader_events_total{course="rebuilding-trust",event="signup"} 2`,
		`dripcourse_reader_events_total{course="rebuilding-trust",event="confirm"} 2`,
		`dripcourse_sends_total{course="rebuilding-trust",result="sent"} 2`,
		// Every course served shows, from 0.
		`dripcourse_sends_total{course="after-the-breakup",result="sent"} 0`,
		`dripcourse_send_seconds_count 2`,
		`dripcourse_deliveries_due{course="rebuilding-trust"} 0`,
		`dripcourse_deliveries_due{course="after-the-breakup"} 0`,
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
	h := newHarness(t, map[string]string{"DRIP_TRUSTED_PROXIES": "127.0.0.1/32", "DRIP_BASE_URL": localSiteEnv["DRIP_BASE_URL"]})
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

// A reverse proxy on the same host need not add a forwarding header: nginx
// by default sends none, and the Host it was asked for or its upstream's.
// On a public site /metrics then needs the token; on a local one, a
// request for a public host name is not local.
func TestMetricsRefuseAProxyThatSaysNothing(t *testing.T) {
	public := newHarness(t, nil) // DRIP_BASE_URL https://course.example.test
	if code := metricsStatus(t, public.web.URL, ""); code != http.StatusForbidden {
		t.Errorf("a public site without a token, asked from loopback: %d, want 403", code)
	}
	local := newHarness(t, localSiteEnv)
	if code := metricsStatus(t, local.web.URL, "course.example.com"); code != http.StatusForbidden {
		t.Errorf("a local site asked from loopback for a public host name: %d, want 403", code)
	}
	for _, host := range []string{"", "localhost:8080", "[::1]:8080"} {
		if code := metricsStatus(t, local.web.URL, host); code != http.StatusOK {
			t.Errorf("a local site asked from loopback for %q: %d, want 200", host, code)
		}
	}
}

// metricsStatus asks base's /metrics, as for host when it is not empty.
func metricsStatus(t *testing.T, base, host string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	if host != "" {
		req.Host = host
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

package webhook

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func okServer(t *testing.T, network, addr string) *httptest.Server {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s (%v); this host has no such loopback", addr, err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// Each destination is a real server on a loopback address, reached by a
// different spelling; the client refuses all of them at dial time unless
// private destinations are allowed.
func TestClientRefusesLoopbackAtDial(t *testing.T) {
	v4 := okServer(t, "tcp4", "127.0.0.1:0")
	port := v4.Listener.Addr().(*net.TCPAddr).Port
	urls := map[string]string{
		"127.0.0.1":        v4.URL,
		"localhost":        "http://localhost:" + strconv.Itoa(port),
		"::ffff:127.0.0.1": "http://[::ffff:127.0.0.1]:" + strconv.Itoa(port),
	}
	if v6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Listener.Close()
		srv.Listener = v6
		srv.Start()
		t.Cleanup(srv.Close)
		urls["::1"] = srv.URL
	} else {
		t.Logf("no IPv6 loopback (%v): [::1] not tested end to end", err)
	}
	for name, u := range urls {
		resp, err := NewClient(false).Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: reached %s without private destinations allowed", name, u)
		} else if !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: error %v is not ErrBlocked", name, err)
		}
		resp, err = NewClient(true).Get(u)
		if err != nil {
			t.Errorf("%s: with private destinations allowed: %v", name, err)
			continue
		}
		resp.Body.Close()
	}
}

// Addresses with no server behind them: the refusal comes from the check
// before connecting, not from a timeout.
func TestClientRefusesPrivateWithoutConnecting(t *testing.T) {
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.1.2.3:8080/", "http://[fd00:ec2::254]/"} {
		resp, err := NewClient(false).Get(u)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, ErrBlocked) {
			t.Errorf("%s: %v, want ErrBlocked", u, err)
		}
	}
}

func TestGuardRanges(t *testing.T) {
	blocked := []string{"127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255",
		"192.0.0.192", "::", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
		"fc00::1", "fd00:ec2::254", "fe80::1", "fe80::1%eth0", "ff02::1", "64:ff9b::a00:1", "64:ff9b::7f00:1",
		"2002:a9fe:a9fe::1", "2002:7f00:1::", "::127.0.0.1", "64:ff9b:1::1"}
	allowed := []string{"1.1.1.1", "8.8.8.8", "172.32.0.1", "100.128.0.1", "169.253.1.1", "2606:4700::1111",
		"64:ff9b::808:808", "2002:808:808::1", "::ffff:1.1.1.1"}
	strict, open := newGuard(false), newGuard(true)
	for _, s := range blocked {
		a := netip.MustParseAddr(s)
		if err := strict.check(a); !errors.Is(err, ErrBlocked) {
			t.Errorf("%s allowed, want refused", s)
		}
		if err := open.control("tcp", netip.AddrPortFrom(a, 443).String(), nil); err != nil {
			t.Errorf("%s refused with private destinations allowed: %v", s, err)
		}
	}
	for _, s := range allowed {
		if err := strict.control("tcp", netip.AddrPortFrom(netip.MustParseAddr(s), 443).String(), nil); err != nil {
			t.Errorf("%s refused: %v", s, err)
		}
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	resp, err := NewClient(true).Post(redirect.URL, "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Fatalf("status %d, target hit %d times; want 307 and 0", resp.StatusCode, hits.Load())
	}
}

func TestClientSettings(t *testing.T) {
	c := NewClient(false)
	if c.Timeout != Timeout || Timeout.Seconds() != 10 || c.Jar != nil {
		t.Fatalf("timeout %v, jar %v", c.Timeout, c.Jar)
	}
	if tr := c.Transport.(*http.Transport); tr.Proxy != nil {
		t.Fatal("the transport would use a proxy, hiding the destination from the check")
	}
}

func TestValidateURL(t *testing.T) {
	cases := []struct {
		url          string
		allowPrivate bool
		ok           bool
	}{
		{"https://hooks.example.com/dripcourse", false, true},
		{"https://hooks.example.com:8443/x?y=1", false, true},
		{"https://1.1.1.1/x", false, true},
		{"http://hooks.example.com/", false, false},
		{"http://hooks.example.com/", true, false},
		{"http://localhost:8080/hook", false, false},
		{"http://localhost:8080/hook", true, true},
		{"http://127.0.0.1:8080/hook", true, true},
		{"http://[::1]:8080/hook", true, true},
		{"http://10.0.0.5/hook", true, false},
		{"https://10.0.0.5/hook", true, true},
		{"https://localhost/hook", false, false},
		{"https://app.localhost/hook", false, false},
		{"https://127.0.0.1/hook", false, false},
		{"https://169.254.169.254/latest", false, false},
		{"https://[::ffff:169.254.169.254]/", false, false},
		{"https://[fd00:ec2::254]/", false, false},
		{"https://192.168.0.10/", false, false},
		{"https://user:pass@hooks.example.com/", false, false},
		{"https://user@hooks.example.com/", true, false},
		{"ftp://hooks.example.com/", false, false},
		{"hooks.example.com/x", false, false},
		{"https:///nohost", false, false},
		{"https://hooks.example.com/\x00", false, false},
		{"https://hooks.example.com/" + strings.Repeat("a", 3000), false, false},
		{"", false, false},
	}
	for _, c := range cases {
		err := ValidateURL(c.url, c.allowPrivate)
		if (err == nil) != c.ok {
			t.Errorf("ValidateURL(%.60q, %v) = %v, want ok=%v", c.url, c.allowPrivate, err, c.ok)
		}
		if err != nil && !errors.Is(err, ErrBadURL) {
			t.Errorf("ValidateURL(%.60q): %v is not ErrBadURL", c.url, err)
		}
	}
}

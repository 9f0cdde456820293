package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestFormSettings(t *testing.T) {
	refused(t, "DRIP_FORM_ORIGINS", "https://blog.example.com/path", "https://*.example.com", "*", "blog.example.com",
		"ftp://blog.example.com", "https://blog.example.com?x", "https://user@blog.example.com", "https://blog.example.com:99999",
		"https://ok.example.com,https://bad.example.com/")
	refused(t, "DRIP_CAPTCHA", "yes", "1", "ON")
	refused(t, "DRIP_CAPTCHA_DIFFICULTY", "0", "999", "100000001", "1e5", "x")
	c, err := parseEnv(map[string]string{"DRIP_FORM_ORIGINS": "https://Blog.Example.com:443, http://shop.example.com:8080", "DRIP_CAPTCHA_DIFFICULTY": "50000"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://blog.example.com", "http://shop.example.com:8080"}; !slices.Equal(c.FormOrigins, want) {
		t.Errorf("origins %q, want %q (as browsers write Origin)", c.FormOrigins, want)
	}
	if !c.Captcha || c.CaptchaDifficulty != 50000 {
		t.Errorf("captcha %v, difficulty %d", c.Captcha, c.CaptchaDifficulty)
	}
	if c, _ := parseEnv(map[string]string{"DRIP_CAPTCHA": "off"}); c.Captcha {
		t.Error("DRIP_CAPTCHA=off left it on")
	}
	_, err = parseEnv(map[string]string{"DRIP_FORM_ORIGINS": "https://blog.example.com/signup"})
	if err == nil || !strings.Contains(err.Error(), "has a path") {
		t.Errorf("a path: %v, want an error saying so", err)
	}
}

// The admin trusts no origin, whatever DRIP_FORM_ORIGINS says: a login
// posted from a trusted origin's page is refused like any other.
func TestAdminTrustsNoFormOrigin(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_FORM_ORIGINS": "https://blog.example.test", "DRIP_ADMIN_PASSWORD": "correct horse battery"})
	req, _ := http.NewRequest("POST", h.web.URL+"/admin/login", strings.NewReader(url.Values{"password": {"correct horse battery"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://blog.example.test")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || res.Header.Get("Set-Cookie") != "" || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("admin login from a trusted form origin: %d %v", res.StatusCode, res.Header)
	}
}

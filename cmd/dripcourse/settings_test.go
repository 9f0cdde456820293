package main

import (
	"flag"
	"strings"
	"testing"
)

// parseEnv parses the settings from env alone.
func parseEnv(env map[string]string) (*Config, error) {
	return parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
}

// refused checks that each value of key is refused with an error naming
// key.
func refused(t *testing.T, key string, values ...string) {
	t.Helper()
	for _, v := range values {
		if _, err := parseEnv(map[string]string{key: v}); err == nil || !strings.Contains(err.Error(), key+":") {
			t.Errorf("%s=%q: %v, want an error naming %s", key, v, err, key)
		}
	}
}

// Every setting that reaches a mail header, or every footer, refuses a
// line break or any other control character: a header injected through a
// setting would be in every message sent.
func TestHeaderSettingsRefuseControlCharacters(t *testing.T) {
	for _, key := range []string{"DRIP_FROM", "DRIP_FROM_NAME", "DRIP_REPLY_TO", "DRIP_POSTAL_ADDRESS", "DRIP_UNSUBSCRIBE_MAILTO",
		"DRIP_DKIM_SELECTOR", "DRIP_DKIM_DOMAIN", "DRIP_METRICS_TOKEN", "DRIP_BASE_URL"} {
		var values []string
		for _, c := range []string{"\r\nBcc: all@example.net\r\n", "\n", "\r", "\x00", "\t", "\x1b[31m", "\u0085", "\u2028", "\xff"} {
			values = append(values, "course"+c+"x@example.com")
		}
		refused(t, key, values...)
	}
}

// DRIP_FROM takes one address, bare or as "Name <address>", the form every
// mail tool writes; the name is the sender's name unless DRIP_FROM_NAME
// says otherwise. Anything else is refused.
func TestFromTakesOneAddressWithAName(t *testing.T) {
	c, err := parseEnv(map[string]string{"DRIP_FROM": "Rebuilding Trust <lessons@example.com>"})
	if err != nil || c.From != "lessons@example.com" || c.FromName != "Rebuilding Trust" {
		t.Fatalf("from %q, name %q, %v; want lessons@example.com and Rebuilding Trust", c.From, c.FromName, err)
	}
	c, err = parseEnv(map[string]string{"DRIP_FROM": `"Trust, Again" <lessons@example.com>`, "DRIP_FROM_NAME": "The Course"})
	if err != nil || c.From != "lessons@example.com" || c.FromName != "The Course" {
		t.Fatalf("from %q, name %q, %v; want lessons@example.com and DRIP_FROM_NAME's The Course", c.From, c.FromName, err)
	}
	if c, err = parseEnv(nil); err != nil || c.From != "course@localhost" || c.FromName != "" {
		t.Fatalf("the default: from %q, name %q, %v", c.From, c.FromName, err)
	}
	refused(t, "DRIP_FROM", "a@example.com, b@example.com", "Name", "<>", "a@b@example.com", `"two words"@example.com`,
		"a@exa mple.com", "a@-example.com", "ünï@example.com", "a@example.com>", "Name <a@example.com> trailing")
	refused(t, "DRIP_REPLY_TO", "Name <r@example.com>", "r@example.com, s@example.com", "nobody")
	refused(t, "DRIP_UNSUBSCRIBE_MAILTO", "leave?subject=x@example.com", "le%41ve@example.com", "Leave <leave@example.com>")
	refused(t, "DRIP_DKIM_SELECTOR", "sel ector", "sel;ector", "-sel")
	refused(t, "DRIP_DKIM_DOMAIN", "example.com;", "exa_mple.com", "example..com")
	c, err = parseEnv(map[string]string{"DRIP_REPLY_TO": "replies@example.com", "DRIP_DKIM_SELECTOR": "mail2026", "DRIP_DKIM_DOMAIN": "example.com"})
	if err != nil || c.ReplyTo != "replies@example.com" {
		t.Fatalf("good settings: reply-to %q, %v", c.ReplyTo, err)
	}
}

// Numeric settings take sane values only: no NaN, no infinities, nothing
// absurdly large, nothing negative.
func TestNumericSettingsRefuseAbsurdValues(t *testing.T) {
	refused(t, "DRIP_SMTP_RATE", "NaN", "nan", "Inf", "+Inf", "-Inf", "-1", "1e9", "1e309", "0x10p9999")
	refused(t, "DRIP_SMTP_CONNECTIONS", "0", "-1", "65", "1e3", "4.5")
	refused(t, "DRIP_TICK", "0s", "999ms", "2h", "9999999h", "-15s")
	refused(t, "DRIP_LEASE", "1s", "25h", "-10m")
	// A form lives 24 hours: a minimum time as long as that turns every
	// reader away.
	refused(t, "DRIP_MIN_FORM_TIME", "-1s", "24h", "25h", "11m")
	c, err := parseEnv(map[string]string{"DRIP_SMTP_RATE": "12.5", "DRIP_MIN_FORM_TIME": "0s", "DRIP_TICK": "1h", "DRIP_LEASE": "5s"})
	if err != nil || c.Rate != 12.5 || c.MinFormTime != 0 {
		t.Fatalf("sane values: %v", err)
	}
}

// DRIP_BASE_URL is a plain http(s) origin: the links in mail are it and a
// path.
func TestBaseURLIsAPlainOrigin(t *testing.T) {
	refused(t, "DRIP_BASE_URL", "course.example.com", "ftp://course.example.com", "https://", "https://:443",
		"https://course.example.com/course", "https://course.example.com?x=1", "https://course.example.com/?",
		"https://course.example.com#", "https://course.example.com/#top", "https://me@course.example.com",
		"https://course.example.com:99999", "https://course.example.com:0", "https://course.example.com:http", "//course.example.com")
	c, err := parseEnv(map[string]string{"DRIP_BASE_URL": "https://course.example.com/"})
	if err != nil || c.BaseURL != "https://course.example.com" {
		t.Fatalf("base URL %q, %v", c.BaseURL, err)
	}
}

// DRIP_ADDR is checked with the other settings: a malformed one is listed
// with every other problem, before anything starts.
func TestAddrIsCheckedWithTheOtherSettings(t *testing.T) {
	refused(t, "DRIP_ADDR", "8080", ":99999", ":-1", "localhost:http", "127.0.0.1", "exa mple.com:80", "host:80:80")
	_, err := parseEnv(map[string]string{"DRIP_ADDR": "8080", "DRIP_TICK": "1ms"})
	if err == nil || !strings.Contains(err.Error(), "DRIP_ADDR:") || !strings.Contains(err.Error(), "DRIP_TICK:") {
		t.Fatalf("a bad address and a bad tick: %v, want both listed", err)
	}
}

// With DRIP_BASE_URL unset, links follow DRIP_ADDR: a server moved to
// another port still sends links that reach it.
func TestBaseURLFollowsAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"":               "http://localhost:8080",
		":9000":          "http://localhost:9000",
		"127.0.0.1:9001": "http://localhost:9001",
		"[::]:9002":      "http://localhost:9002",
		"192.0.2.7:9003": "http://192.0.2.7:9003",
		":80":            "http://localhost",
	} {
		env := map[string]string{}
		if addr != "" {
			env["DRIP_ADDR"] = addr
		}
		c, err := parseEnv(env)
		if err != nil || c.BaseURL != want || !c.BaseURLFromAddr {
			t.Errorf("DRIP_ADDR %q: base URL %q (following the address: %v), %v; want %s", addr, c.BaseURL, c.BaseURLFromAddr, err, want)
		}
	}
	c, err := parseEnv(map[string]string{"DRIP_ADDR": ":9000", "DRIP_BASE_URL": "https://course.example.com"})
	if err != nil || c.BaseURL != "https://course.example.com" || c.BaseURLFromAddr {
		t.Fatalf("a base URL that is set: %q, %v", c.BaseURL, err)
	}
}

// A DKIM key without a selector cannot sign: the settings say so.
func TestDKIMKeyNeedsASelector(t *testing.T) {
	_, err := parseEnv(map[string]string{"DRIP_DKIM_KEY": "/etc/dkim.pem"})
	if err == nil || !strings.Contains(err.Error(), "DRIP_DKIM_SELECTOR:") {
		t.Fatalf("a key without a selector: %v", err)
	}
}

package mailer_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		name, raw  string
		host       string
		port       int
		tls        mailer.TLSMode
		user, pass string
	}{
		{"default starttls port", "smtp://mail.example.com", "mail.example.com", 587, mailer.TLSStartTLS, "", ""},
		{"explicit starttls", "smtp://mail.example.com?tls=starttls", "mail.example.com", 587, mailer.TLSStartTLS, "", ""},
		{"tls none defaults to 25", "smtp://relay.local?tls=none", "relay.local", 25, mailer.TLSNone, "", ""},
		{"tls=tls defaults to 465", "smtp://mail.example.com?tls=tls", "mail.example.com", 465, mailer.TLSImplicit, "", ""},
		{"upper-case tls value", "smtp://mail.example.com?tls=NONE", "mail.example.com", 25, mailer.TLSNone, "", ""},
		{"smtps defaults to 465", "smtps://mail.example.com", "mail.example.com", 465, mailer.TLSImplicit, "", ""},
		{"smtps with explicit port", "smtps://mail.example.com:2465", "mail.example.com", 2465, mailer.TLSImplicit, "", ""},
		{"explicit port", "smtp://mail.example.com:2525?tls=none", "mail.example.com", 2525, mailer.TLSNone, "", ""},
		{"trailing slash", "smtp://mail.example.com/", "mail.example.com", 587, mailer.TLSStartTLS, "", ""},
		{"surrounding space", "  smtp://mail.example.com  ", "mail.example.com", 587, mailer.TLSStartTLS, "", ""},
		{"user and password", "smtp://apikey:s3cret@smtp.example.com:587", "smtp.example.com", 587, mailer.TLSStartTLS, "apikey", "s3cret"},
		{"escaped characters", "smtp://us%40er.example:p%40ss%2Fw%3Ard%25%23@smtp.example.com", "smtp.example.com", 587, mailer.TLSStartTLS, "us@er.example", "p@ss/w:rd%#"},
		{"user without password", "smtp://postmaster@localhost?tls=none", "localhost", 25, mailer.TLSNone, "postmaster", ""},
		{"IPv6 literal", "smtp://[::1]:1025?tls=none", "::1", 1025, mailer.TLSNone, "", ""},
		{"IPv4 literal", "smtp://127.0.0.1:1025?tls=none", "127.0.0.1", 1025, mailer.TLSNone, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := mailer.ParseSMTPURL(tt.raw)
			if err != nil {
				t.Fatalf("ParseSMTPURL(%q): %v", tt.raw, err)
			}
			if c.Host != tt.host || c.Port != tt.port || c.TLS != tt.tls || c.Username != tt.user || c.Password != tt.pass {
				t.Errorf("got host=%q port=%d tls=%q user=%q pass=%q, want %q %d %q %q %q",
					c.Host, c.Port, c.TLS, c.Username, c.Password, tt.host, tt.port, tt.tls, tt.user, tt.pass)
			}
			if c.Timeout <= 0 || c.Connections < 1 {
				t.Errorf("Timeout %v, Connections %d: want positive defaults", c.Timeout, c.Connections)
			}
			if tt.pass != "" && strings.Contains(c.Redacted(), tt.pass) {
				t.Errorf("Redacted() = %q shows the password", c.Redacted())
			}
		})
	}
}

const secretPW = "Hunter2Secret"

func TestParseSMTPURLErrors(t *testing.T) {
	tests := []struct {
		name, raw string
		mention   string // a word the error must contain
	}{
		{"empty", "", "scheme"},
		{"http scheme", "http://user:" + secretPW + "@mail.example.com", "scheme"},
		{"no scheme", "user:" + secretPW + "@mail.example.com", "smtp url"},
		{"no host", "smtp://user:" + secretPW + "@", "host"},
		{"only port", "smtp://user:" + secretPW + "@:587", "host"},
		{"opaque", "smtp:user:" + secretPW + "@mail.example.com", "host"},
		{"port zero", "smtp://user:" + secretPW + "@mail.example.com:0", "port"},
		{"port too big", "smtp://user:" + secretPW + "@mail.example.com:65536", "port"},
		{"port not a number", "smtp://user:" + secretPW + "@mail.example.com:smtp", "smtp url"},
		{"unknown parameter", "smtp://user:" + secretPW + "@mail.example.com?timeout=5", "timeout"},
		{"tls bogus", "smtp://user:" + secretPW + "@mail.example.com?tls=bogus", "tls parameter"},
		{"tls twice", "smtp://user:" + secretPW + "@mail.example.com?tls=none&tls=tls", "tls"},
		{"a path", "smtp://user:" + secretPW + "@mail.example.com/inbox", "path"},
		{"too long", "smtp://user:" + secretPW + "@" + strings.Repeat("a", 3000) + ".com", "long"},
		{"bad escape", "smtp://user:" + secretPW + "%zz@mail.example.com", "smtp url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mailer.ParseSMTPURL(tt.raw)
			if err == nil {
				t.Fatalf("ParseSMTPURL(%q) succeeded", tt.raw)
			}
			if strings.Contains(err.Error(), secretPW) {
				t.Errorf("error repeats the password: %v", err)
			}
			if !strings.Contains(strings.ToLower(err.Error()), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

// A password with an unescaped / or ? splits the URL in the wrong place;
// the part after it then lands in the path or query, and the error quotes it.
func TestParseSMTPURLUnescapedPasswordNotEchoed(t *testing.T) {
	for _, raw := range []string{
		"smtp://user:1234/" + secretPW + "@mail.example.com",
		"smtp://user:1234?" + secretPW + "@mail.example.com",
	} {
		_, err := mailer.ParseSMTPURL(raw)
		if err == nil {
			t.Errorf("ParseSMTPURL(%q) succeeded", raw)
			continue
		}
		if strings.Contains(err.Error(), secretPW) {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

func FuzzParseSMTPURL(f *testing.F) {
	for _, s := range []string{
		"smtp://mail.example.com", "smtps://u:p@h:465", "smtp://[::1]:25?tls=none", "smtp://h?tls=bogus",
		"smtp://u:p%2F@h/", "http://h", "smtp://:0", "smtp://h:99999", "", "smtp:h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := mailer.ParseSMTPURL(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "smtp url: ") {
				t.Errorf("error %q lacks the smtp url: prefix", err)
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 {
			t.Fatalf("ParseSMTPURL(%q) accepted host %q port %d", raw, c.Host, c.Port)
		}
		switch c.TLS {
		case mailer.TLSNone, mailer.TLSStartTLS, mailer.TLSImplicit:
		default:
			t.Fatalf("ParseSMTPURL(%q) accepted tls mode %q", raw, c.TLS)
		}
		if _, err := url.Parse(c.Redacted()); err != nil {
			t.Fatalf("Redacted() = %q does not parse: %v", c.Redacted(), err)
		}
	})
}

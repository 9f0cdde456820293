package mailer

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TLSMode is how an SMTP connection is secured.
type TLSMode string

// TLS modes, as written in DRIP_SMTP_URL's tls parameter.
const (
	TLSNone     TLSMode = "none"     // plain text: only for a relay on the same host
	TLSStartTLS TLSMode = "starttls" // upgrade, and refuse servers that can't
	TLSImplicit TLSMode = "tls"      // TLS from the first byte (port 465)
)

// SMTPConfig says how to reach a mail server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      TLSMode
	Timeout  time.Duration
	// Connections is how many messages may be in flight at once, each on
	// its own connection.
	Connections int
	// HELO is the name we greet the server with; empty means the host name.
	HELO string
}

// Redacted is the URL with its password hidden, for logs.
func (c SMTPConfig) Redacted() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), RawQuery: "tls=" + string(c.TLS)}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
	}
	return u.String()
}

// ParseSMTPURL reads smtp://user:pass@host:port?tls=none|starttls|tls.
// The port defaults to 587 for starttls, 465 for tls and 25 for none, and
// tls defaults to starttls (tls for smtps://). Errors say what is wrong
// without repeating the password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	c := SMTPConfig{Timeout: 30 * time.Second, Connections: 1}
	if len(raw) > 2048 {
		return c, fmt.Errorf("smtp url: too long")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return c, fmt.Errorf("smtp url: cannot parse it; write it like smtp://user:pass@mail.example.com:587?tls=starttls")
	}
	switch u.Scheme {
	case "smtp":
		c.TLS = TLSStartTLS
	case "smtps":
		c.TLS = TLSImplicit
	default:
		return c, fmt.Errorf("smtp url: scheme %q: use smtp:// or smtps://", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return c, fmt.Errorf("smtp url: no host; write it like smtp://mail.example.com:587")
	}
	c.Host = u.Hostname()
	if !validHost(c.Host) {
		return c, fmt.Errorf("smtp url: the host is not a host name or IP address; write it like smtp://mail.example.com:587")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	for key, vals := range u.Query() {
		if key != "tls" || len(vals) != 1 {
			// Name the key only when it cannot be a stray piece of password.
			if !paramName.MatchString(key) {
				key = "?"
			}
			return c, fmt.Errorf("smtp url: unknown parameter %q (only tls=none|starttls|tls is understood; percent-encode / ? # @ %% in a password)", key)
		}
		switch mode := TLSMode(strings.ToLower(vals[0])); mode {
		case TLSNone, TLSStartTLS, TLSImplicit:
			c.TLS = mode
		default:
			return c, fmt.Errorf("smtp url: the tls parameter takes none, starttls or tls")
		}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("smtp url: port %q is not a number from 1 to 65535", p)
		}
		c.Port = n
	} else {
		c.Port = map[TLSMode]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[c.TLS]
	}
	if u.Path != "" && u.Path != "/" {
		return c, fmt.Errorf("smtp url: unexpected path after the host (percent-encode / ? # @ %% in a password)")
	}
	return c, nil
}

var (
	paramName = regexp.MustCompile(`^[a-z_]{1,20}$`)
	hostName  = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$`)
)

// validHost accepts a DNS name or an IP address.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	return hostName.MatchString(h)
}

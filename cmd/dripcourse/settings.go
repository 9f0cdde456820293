package main

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/store"
)

// One function per setting: each checks the value it is given (already
// trimmed) and stores it in c. The settings table in config.go names them.
// The settings that reach a mail header are in settings_mail.go.

func parseLessons(c *Config, v string) error       { c.Lessons = v; return nil }
func parseTemplates(c *Config, v string) error     { c.Templates = v; return nil }
func parseAdminPassword(c *Config, v string) error { c.AdminPassword = v; return nil }
func parseDKIMKey(c *Config, v string) error       { c.DKIMKey = v; return nil }

func parseMetricsToken(c *Config, v string) error {
	c.MetricsToken = v
	return plainText("the token", v) // it is compared with a header
}

// parseAddr checks the listening address as net.Listen will read it:
// host:port, with the host empty (every interface), an IP or a name, and
// a numeric port.
func parseAddr(c *Config, v string) error {
	c.Addr = v
	host, port, err := net.SplitHostPort(v)
	if err != nil || plainText("", v) != nil || strings.ContainsAny(host, " /") {
		return fmt.Errorf("%q is not an address to listen on, such as :8080 or 127.0.0.1:8080", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: the port must be a number from 0 to 65535", v)
	}
	return nil
}

func parseData(c *Config, v string) error {
	if v == "" {
		return errors.New("must name a directory")
	}
	c.Data = filepath.Clean(v)
	return nil
}

func parseDatabaseURL(c *Config, v string) error {
	if v != "" && !store.IsPostgres(v) {
		return errors.New("must be a postgres:// URL (without it, SQLite in DRIP_DATA is used)")
	}
	c.DatabaseURL = v
	return nil
}

// parseBaseURL takes a plain http(s) origin. Left empty, it follows
// DRIP_ADDR (read before it): http://localhost and the port dripcourse
// listens on, so that the links in mail reach this server.
func parseBaseURL(c *Config, v string) error {
	if v == "" {
		c.BaseURL, c.BaseURLFromAddr = addrURL(c.Addr, ""), true
		return nil
	}
	c.BaseURL = strings.TrimRight(v, "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || plainText("", v) != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", c.BaseURL)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(c.BaseURL, "#?") {
		// Every emailed link is the base URL and a path, and the pages
		// post to /subscribe and /admin on their own host.
		return fmt.Errorf("%q: give the site's root only, such as https://course.example.com (no path, user, ?query or #fragment); dripcourse serves from the root of its host", c.BaseURL)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: the port must be a number from 1 to 65535", c.BaseURL)
		}
	}
	return nil
}

// addrURL is the base URL that reaches a server listening on addr: on
// localhost when it listens on every interface or on loopback, and at
// port when given (the port actually bound, for addr's port 0).
func addrURL(addr, port string) string {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if port == "" {
		port = p
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && (ip.IsUnspecified() || ip.IsLoopback()) {
		host = "localhost"
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
	if port == "80" {
		u.Host = u.Hostname()
	}
	return u.String()
}

// parseSMTPURL keeps the URL and its parsed form; the connection count is
// added once every setting is read.
func parseSMTPURL(c *Config, v string) error {
	c.SMTPURL = v
	if v == "" {
		return nil
	}
	sc, err := mailer.ParseSMTPURL(v)
	if err != nil {
		return err
	}
	c.SMTP = &sc
	return nil
}

func parseConnections(c *Config, v string) (err error) {
	c.Connections, err = whole(v, 1, 64, "connections")
	return err
}

// maxRate is far above what any relay takes from one sender; a larger
// DRIP_SMTP_RATE is a typing mistake, not a limit.
const maxRate = 10000

func parseRate(c *Config, v string) error {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) || r < 0 || r > maxRate {
		return fmt.Errorf("%q is not a number of messages per second from 0 (no limit) to %d", v, maxRate)
	}
	c.Rate = r
	return nil
}

// whole parses a whole number in [least, most] of what.
func whole(v string, least, most int, what string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < least || n > most {
		return 0, fmt.Errorf("%q is not a whole number of %s from %d to %d", v, what, least, most)
	}
	return n, nil
}

func parseTracking(c *Config, v string) error {
	switch t := compose.Tracking(v); t {
	case compose.TrackAll, compose.TrackClicks, compose.TrackOpens, compose.TrackOff:
		c.Tracking = t
		return nil
	}
	return fmt.Errorf("%q: use all, clicks, opens or off", v)
}

// parseTrustedProxies reports every bad CIDR of the list, not only the
// first.
func parseTrustedProxies(c *Config, v string) error {
	if v == "" {
		return nil
	}
	var errs []error
	for _, cidr := range strings.Split(v, ",") {
		if _, err := netip.ParsePrefix(strings.TrimSpace(cidr)); err != nil {
			errs = append(errs, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", cidr))
		}
		c.TrustedProxies = append(c.TrustedProxies, strings.TrimSpace(cidr))
	}
	return errors.Join(errs...)
}

// maxMinFormTime keeps DRIP_MIN_FORM_TIME well inside a form's life (24 h,
// after which the form is refused anyway): a person fills in an email
// address in seconds, and a longer wait would turn every reader away.
const maxMinFormTime = 10 * time.Minute

func parseMinFormTime(c *Config, v string) (err error) {
	c.MinFormTime, err = duration(v, 0, maxMinFormTime, "%q is not a duration from 0s to 10m (a person fills in the form in seconds; a form lives 24h)")
	return err
}

// parseMaxConfirmationsPerHour refuses 0: the cap is what keeps the form
// from being used to send mail to anyone in any number.
func parseMaxConfirmationsPerHour(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return fmt.Errorf("%q is not a whole number from 1 to 1000000", v)
	}
	c.MaxConfirmationsPerHour = n
	return nil
}

func parseTick(c *Config, v string) (err error) {
	c.Tick, err = duration(v, time.Second, time.Hour, "%q is not a duration from 1s to 1h")
	return err
}

func parseLease(c *Config, v string) (err error) {
	c.Lease, err = duration(v, 5*time.Second, 24*time.Hour, "%q is not a duration from 5s to 24h")
	return err
}

// duration parses v and checks it lies in [least, most]; otherwise the
// error is format, given v.
func duration(v string, least, most time.Duration, format string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < least || d > most {
		return 0, fmt.Errorf(format, v)
	}
	return d, nil
}

// maxRetentionDays bounds DRIP_EVENT_RETENTION at a century.
const maxRetentionDays = 36500

// parseEventRetention takes off, or a number of days such as 400d: the
// rollup works in whole days, and a retention shorter than a day would
// fold the events that hold back a repeated open (store.EventRepeatWindow).
func parseEventRetention(c *Config, v string) error {
	if v == "off" {
		c.EventRetention = 0
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
	if err != nil || !strings.HasSuffix(v, "d") || n < 1 || n > maxRetentionDays {
		return fmt.Errorf("%q: use off, or a number of days from 1d to %dd, such as 400d", v, maxRetentionDays)
	}
	c.EventRetention = time.Duration(n) * 24 * time.Hour
	return nil
}

func parseLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("%q: use text or json", v)
	}
	c.LogFormat = v
	return nil
}

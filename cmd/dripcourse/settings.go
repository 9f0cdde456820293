package main

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
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

func parseAddr(c *Config, v string) error          { c.Addr = v; return nil }
func parseLessons(c *Config, v string) error       { c.Lessons = v; return nil }
func parseTemplates(c *Config, v string) error     { c.Templates = v; return nil }
func parseAdminPassword(c *Config, v string) error { c.AdminPassword = v; return nil }
func parseDKIMKey(c *Config, v string) error       { c.DKIMKey = v; return nil }
func parseDKIMSelector(c *Config, v string) error  { c.DKIMSelector = v; return nil }
func parseDKIMDomain(c *Config, v string) error    { c.DKIMDomain = v; return nil }
func parseMetricsToken(c *Config, v string) error  { c.MetricsToken = v; return nil }

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

func parseBaseURL(c *Config, v string) error {
	c.BaseURL = strings.TrimRight(v, "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", c.BaseURL)
	}
	if u.User != nil || u.Fragment != "" || strings.HasSuffix(c.BaseURL, "#") || u.Path != "" {
		// Every emailed link is the base URL and a path, and the pages
		// post to /subscribe and /admin on their own host.
		return fmt.Errorf("%q: give the site's root only, such as https://course.example.com (no path, user or #fragment); dripcourse serves from the root of its host", c.BaseURL)
	}
	return nil
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

func parseFrom(c *Config, v string) error {
	c.From = v
	if addr, err := mail.ParseAddress(v); err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
		return fmt.Errorf("%q is not a bare email address like course@example.com", v)
	}
	return nil
}

func parseFromName(c *Config, v string) error {
	c.FromName = v
	return oneLine("sender name", v)
}

func parsePostalAddress(c *Config, v string) error {
	c.PostalAddress = v
	return oneLine("postal address", v)
}

// oneLine refuses a value that would break the header or footer line it
// goes into.
func oneLine(what, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("%s must be one line", what)
	}
	return nil
}

func parseUnsubMailto(c *Config, v string) error {
	c.UnsubMailto = v
	if v == "" {
		return nil
	}
	if addr, err := mail.ParseAddress(v); err != nil || addr.Address != v || !strings.Contains(v, "@") || strings.ContainsAny(v, "?<>") {
		return fmt.Errorf("%q is not a bare email address like leave@example.com", v)
	}
	return nil
}

func parseConnections(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 64 {
		return fmt.Errorf("%q is not a whole number from 1 to 64", v)
	}
	c.Connections = n
	return nil
}

func parseRate(c *Config, v string) error {
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r < 0 || math.IsNaN(r) {
		return fmt.Errorf("%q is not a number of messages per second (0 for no limit)", v)
	}
	c.Rate = r
	return nil
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

func parseMinFormTime(c *Config, v string) (err error) {
	c.MinFormTime, err = duration(v, 0, math.MaxInt64, "%q is not a duration such as 2s")
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

func parseLogFormat(c *Config, v string) error {
	if v != "text" && v != "json" {
		return fmt.Errorf("%q: use text or json", v)
	}
	c.LogFormat = v
	return nil
}

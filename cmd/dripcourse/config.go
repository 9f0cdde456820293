package main

import (
	"flag"
	"fmt"
	"io"
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

// Config is every setting, parsed in one place from flags with DRIP_*
// environment fallbacks. Nothing else in the program reads the environment.
type Config struct {
	Addr           string
	Data           string
	DatabaseURL    string
	BaseURL        string
	SMTPURL        string
	SMTP           *mailer.SMTPConfig // nil: write to the outbox
	From           string
	FromName       string
	Lessons        string
	Templates      string
	AdminPassword  string
	Connections    int
	Rate           float64
	PostalAddress  string
	UnsubMailto    string
	Tracking       compose.Tracking
	DKIMKey        string
	DKIMSelector   string
	DKIMDomain     string
	TrustedProxies []string
	MinFormTime    time.Duration
	Tick           time.Duration
	Lease          time.Duration
	LogFormat      string
	MetricsToken   string
}

// setting is one flag with its environment variable and help.
type setting struct {
	name, env, def, help string
}

var settings = []setting{
	{"addr", "DRIP_ADDR", ":8080", "address the web server listens on"},
	{"data", "DRIP_DATA", "./data", "directory for the database, the signing secret and the outbox"},
	{"database-url", "DRIP_DATABASE_URL", "", "postgres://user:pass@host/db to share one PostgreSQL between instances; empty keeps SQLite in DATA"},
	{"base-url", "DRIP_BASE_URL", "http://localhost:8080", "public URL of the site, used in every link in emails"},
	{"smtp-url", "DRIP_SMTP_URL", "", "smtp://user:pass@host:port?tls=none|starttls|tls; empty writes mail to DATA/outbox"},
	{"from", "DRIP_FROM", "course@localhost", "sender address (its domain is used for Message-IDs and List-Id)"},
	{"from-name", "DRIP_FROM_NAME", "", "sender display name (default: the course's sender_name)"},
	{"lessons", "DRIP_LESSONS", "", "directory of lessons to use instead of the built-in course"},
	{"templates", "DRIP_TEMPLATES", "", "directory of templates to use instead of the built-in ones"},
	{"admin-password", "DRIP_ADMIN_PASSWORD", "", "password for /admin (default: generated at first start and logged once)"},
	{"smtp-connections", "DRIP_SMTP_CONNECTIONS", "4", "SMTP connections used in parallel"},
	{"smtp-rate", "DRIP_SMTP_RATE", "0", "most messages per second across all connections; 0 is no limit"},
	{"postal-address", "DRIP_POSTAL_ADDRESS", "", "sender's postal address, shown in every email's footer"},
	{"unsubscribe-mailto", "DRIP_UNSUBSCRIBE_MAILTO", "", "mailbox for mailto: unsubscribes in List-Unsubscribe (optional)"},
	{"tracking", "DRIP_TRACKING", "all", "what emails track: all, clicks, opens or off"},
	{"dkim-key", "DRIP_DKIM_KEY", "", "PEM private key file (RSA-2048 or Ed25519) to DKIM-sign every message"},
	{"dkim-selector", "DRIP_DKIM_SELECTOR", "", "DKIM selector"},
	{"dkim-domain", "DRIP_DKIM_DOMAIN", "", "DKIM signing domain (default: the From domain)"},
	{"trusted-proxies", "DRIP_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted"},
	{"min-form-time", "DRIP_MIN_FORM_TIME", "2s", "least time between showing the signup form and a real submission"},
	{"tick", "DRIP_TICK", "15s", "how often the dispatcher looks for due lessons and confirmations"},
	{"lease", "DRIP_LEASE", "10m", "how long a claimed lesson stays reserved for its instance; a crashed instance's work is retaken after it"},
	{"log-format", "DRIP_LOG_FORMAT", "text", "log format: text or json"},
	{"metrics-token", "DRIP_METRICS_TOKEN", "", "bearer token for /metrics; without one, /metrics answers only on loopback"},
}

// parseConfig reads flags from args, falling back to getenv, then to the
// defaults, and checks every value. A command's own flag takes the place
// of a setting's flag of the same name (migrate-store's --from is not the
// sender address); that setting then comes from getenv or its default.
func parseConfig(name string, own []flagDef, args []string, getenv func(string) string, out io.Writer) (*Config, map[string]string, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	shadowed := map[string]bool{}
	for _, f := range own {
		shadowed[f.name] = true
	}
	vals := map[string]*string{}
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		if shadowed[s.name] {
			vals[s.name] = &def
			continue
		}
		vals[s.name] = fs.String(s.name, def, s.help+" ["+s.env+"]")
	}
	ownVals := map[string]func() string{}
	for _, f := range own {
		if f.boolean {
			b := fs.Bool(f.name, f.def == "true", f.help)
			ownVals[f.name] = func() string { return strconv.FormatBool(*b) }
		} else {
			v := fs.String(f.name, f.def, f.help)
			ownVals[f.name] = func() string { return *v }
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, nil, err
	}
	c, err := buildConfig(func(n string) string { return strings.TrimSpace(*vals[n]) })
	flags := map[string]string{}
	for n, v := range ownVals {
		flags[n] = v()
	}
	return c, flags, fs.Args(), err
}

func buildConfig(v func(string) string) (*Config, error) {
	c := &Config{Addr: v("addr"), Data: v("data"), DatabaseURL: v("database-url"), BaseURL: strings.TrimRight(v("base-url"), "/"), SMTPURL: v("smtp-url"),
		From: v("from"), FromName: v("from-name"), Lessons: v("lessons"), Templates: v("templates"),
		AdminPassword: v("admin-password"), PostalAddress: v("postal-address"), UnsubMailto: v("unsubscribe-mailto"),
		DKIMKey: v("dkim-key"), DKIMSelector: v("dkim-selector"), DKIMDomain: v("dkim-domain"), LogFormat: v("log-format"), MetricsToken: v("metrics-token")}
	var errs []string
	bad := func(env, format string, a ...any) { errs = append(errs, env+": "+fmt.Sprintf(format, a...)) }
	if c.Data == "" {
		bad("DRIP_DATA", "must name a directory")
	}
	c.Data = filepath.Clean(c.Data)
	if c.DatabaseURL != "" && !store.IsPostgres(c.DatabaseURL) {
		bad("DRIP_DATABASE_URL", "must be a postgres:// URL (without it, SQLite in DRIP_DATA is used)")
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		bad("DRIP_BASE_URL", "%q is not an http:// or https:// URL", c.BaseURL)
	} else if u.User != nil || u.Fragment != "" || strings.HasSuffix(c.BaseURL, "#") || u.Path != "" {
		// Every emailed link is the base URL and a path, and the pages
		// post to /subscribe and /admin on their own host.
		bad("DRIP_BASE_URL", "%q: give the site's root only, such as https://course.example.com (no path, user or #fragment); dripcourse serves from the root of its host", c.BaseURL)
	}
	if m := c.UnsubMailto; m != "" {
		if addr, err := mail.ParseAddress(m); err != nil || addr.Address != m || !strings.Contains(m, "@") || strings.ContainsAny(m, "?<>") {
			bad("DRIP_UNSUBSCRIBE_MAILTO", "%q is not a bare email address like leave@example.com", m)
		}
	}
	if addr, err := mail.ParseAddress(c.From); err != nil || addr.Name != "" || !strings.Contains(addr.Address, "@") {
		bad("DRIP_FROM", "%q is not a bare email address like course@example.com", c.From)
	}
	if strings.ContainsAny(c.FromName+c.PostalAddress, "\r\n") {
		bad("DRIP_FROM_NAME", "sender name and postal address must be one line each")
	}
	if c.SMTPURL != "" {
		sc, err := mailer.ParseSMTPURL(c.SMTPURL)
		if err != nil {
			bad("DRIP_SMTP_URL", "%v", err)
		}
		c.SMTP = &sc
	}
	n, err := strconv.Atoi(v("smtp-connections"))
	if err != nil || n < 1 || n > 64 {
		bad("DRIP_SMTP_CONNECTIONS", "%q is not a whole number from 1 to 64", v("smtp-connections"))
	}
	c.Connections = n
	if c.SMTP != nil {
		c.SMTP.Connections = n
	}
	if c.Rate, err = strconv.ParseFloat(v("smtp-rate"), 64); err != nil || c.Rate < 0 {
		bad("DRIP_SMTP_RATE", "%q is not a number of messages per second (0 for no limit)", v("smtp-rate"))
	}
	switch t := compose.Tracking(v("tracking")); t {
	case compose.TrackAll, compose.TrackClicks, compose.TrackOpens, compose.TrackOff:
		c.Tracking = t
	default:
		bad("DRIP_TRACKING", "%q: use all, clicks, opens or off", t)
	}
	if p := v("trusted-proxies"); p != "" {
		for _, cidr := range strings.Split(p, ",") {
			if _, err := netip.ParsePrefix(strings.TrimSpace(cidr)); err != nil {
				bad("DRIP_TRUSTED_PROXIES", "%q is not a CIDR such as 10.0.0.0/8", cidr)
			}
			c.TrustedProxies = append(c.TrustedProxies, strings.TrimSpace(cidr))
		}
	}
	if c.MinFormTime, err = time.ParseDuration(v("min-form-time")); err != nil || c.MinFormTime < 0 {
		bad("DRIP_MIN_FORM_TIME", "%q is not a duration such as 2s", v("min-form-time"))
	}
	if c.Tick, err = time.ParseDuration(v("tick")); err != nil || c.Tick < time.Second || c.Tick > time.Hour {
		bad("DRIP_TICK", "%q is not a duration from 1s to 1h", v("tick"))
	}
	if c.Lease, err = time.ParseDuration(v("lease")); err != nil || c.Lease < 5*time.Second || c.Lease > 24*time.Hour {
		bad("DRIP_LEASE", "%q is not a duration from 5s to 24h", v("lease"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("DRIP_LOG_FORMAT", "%q: use text or json", c.LogFormat)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	return c, nil
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/mailer"
)

// Config is every setting, parsed in one place from flags with DRIP_*
// environment fallbacks. Nothing else in the program reads the environment.
type Config struct {
	Addr        string
	Data        string
	DatabaseURL string
	BaseURL     string
	// BaseURLFromAddr is set when DRIP_BASE_URL was left to follow
	// DRIP_ADDR: serve puts the port it bound into it.
	BaseURLFromAddr bool
	SMTPURL         string
	SMTP            *mailer.SMTPConfig // nil: write to the outbox
	From            string
	FromName        string
	ReplyTo         string
	Lessons         string
	Templates       string
	AdminPassword   string
	Connections     int
	Rate            float64
	PostalAddress   string
	UnsubMailto     string
	Tracking        compose.Tracking
	DKIMKey         string
	DKIMSelector    string
	DKIMDomain      string
	TrustedProxies  []string
	MinFormTime     time.Duration
	Tick            time.Duration
	Lease           time.Duration
	LogFormat       string
	MetricsToken    string

	// EventRetention is how long opens and clicks are kept one by one
	// before housekeeping folds them into daily counts; 0 keeps them.
	EventRetention time.Duration

	// MaxConfirmationsPerHour caps the confirmation emails of all signups.
	MaxConfirmationsPerHour int

	// Signup forms on other sites and the captcha (settings_forms.go).
	FormOrigins       []string
	Captcha           bool
	CaptchaDifficulty int64

	// Bounces and complaints (settings_bounce.go).
	BounceDomain        string
	BounceSMTPAddr      string
	BounceToken         string
	SoftBounceLimit     int
	SESTopicARNs        []string
	PostmarkUser        string
	PostmarkPassword    string
	MailgunKey          string
	SendGridKey         string
	BrevoToken          string
	BounceWebhookSecret string

	// The API and webhooks (settings_api.go).
	APIRate             int
	WebhookAllowPrivate bool
}

// setting is one flag with its environment variable, default and help,
// and the function that checks a value and stores it in a Config. An
// error it returns names no setting: the caller adds the variable.
type setting struct {
	name, env, def, help string
	parse                func(c *Config, v string) error
}

// settings lists every setting in the order help shows them.
func settings() []setting {
	return append(append(append(coreSettings(), formSettings()...), bounceSettings()...), apiSettings()...)
}

// coreSettings are every setting but those of bounces.
func coreSettings() []setting {
	return []setting{
		{"addr", "DRIP_ADDR", ":8080", "address the web server listens on", parseAddr},
		{"data", "DRIP_DATA", "./data", "directory for the database, the signing secret and the outbox", parseData},
		{"database-url", "DRIP_DATABASE_URL", "", "postgres://user:pass@host/db to share one PostgreSQL between instances; empty keeps SQLite in DATA", parseDatabaseURL},
		{"base-url", "DRIP_BASE_URL", "", "public URL of the site, used in every link in emails (default: http://localhost and DRIP_ADDR's port)", parseBaseURL},
		{"smtp-url", "DRIP_SMTP_URL", "", "smtp://user:pass@host:port?tls=none|starttls|tls; empty writes mail to DATA/outbox", parseSMTPURL},
		{"from", "DRIP_FROM", "course@localhost", "sender address, or Name <address> (its domain is used for Message-IDs and List-Id)", parseFrom},
		{"from-name", "DRIP_FROM_NAME", "", "sender display name (default: the name in DRIP_FROM, else the course's sender_name)", parseFromName},
		{"reply-to", "DRIP_REPLY_TO", "", "address that readers' replies go to (Reply-To), when not the sender address", parseReplyTo},
		{"lessons", "DRIP_LESSONS", "", "directory of lessons to use instead of the built-in course", parseLessons},
		{"templates", "DRIP_TEMPLATES", "", "directory of templates to use instead of the built-in ones", parseTemplates},
		{"admin-password", "DRIP_ADMIN_PASSWORD", "", "password for /admin (default: generated at first start and logged once)", parseAdminPassword},
		{"smtp-connections", "DRIP_SMTP_CONNECTIONS", "4", "SMTP connections used in parallel", parseConnections},
		{"smtp-rate", "DRIP_SMTP_RATE", "0", "most messages per second across all connections; 0 is no limit", parseRate},
		{"postal-address", "DRIP_POSTAL_ADDRESS", "", "sender's postal address, shown in every email's footer", parsePostalAddress},
		{"unsubscribe-mailto", "DRIP_UNSUBSCRIBE_MAILTO", "", "mailbox for mailto: unsubscribes in List-Unsubscribe (optional)", parseUnsubMailto},
		{"tracking", "DRIP_TRACKING", "all", "what emails track: all, clicks, opens or off", parseTracking},
		{"dkim-key", "DRIP_DKIM_KEY", "", "PEM private key file (RSA-2048 or Ed25519) to DKIM-sign every message", parseDKIMKey},
		{"dkim-selector", "DRIP_DKIM_SELECTOR", "", "DKIM selector", parseDKIMSelector},
		{"dkim-domain", "DRIP_DKIM_DOMAIN", "", "DKIM signing domain (default: the From domain)", parseDKIMDomain},
		{"trusted-proxies", "DRIP_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted", parseTrustedProxies},
		{"min-form-time", "DRIP_MIN_FORM_TIME", "2s", "least time between showing the signup form and a real submission", parseMinFormTime},
		{"max-confirmations-per-hour", "DRIP_MAX_CONFIRMATIONS_PER_HOUR", "1000", "most confirmation emails all signups may queue in an hour; over it signups are kept, unconfirmed", parseMaxConfirmationsPerHour},
		{"tick", "DRIP_TICK", "15s", "how often the dispatcher looks for due lessons and confirmations", parseTick},
		{"lease", "DRIP_LEASE", "10m", "how long a claimed lesson stays reserved for its instance; a crashed instance's work is retaken after it", parseLease},
		{"event-retention", "DRIP_EVENT_RETENTION", "off", "after how many days (e.g. 400d) opens and clicks are folded into daily counts; off keeps every one", parseEventRetention},
		{"log-format", "DRIP_LOG_FORMAT", "text", "log format: text or json", parseLogFormat},
		{"metrics-token", "DRIP_METRICS_TOKEN", "", "bearer token for /metrics; without one, /metrics answers only on loopback", parseMetricsToken},
	}
}

// parseConfig declares a flag on fs for every setting, parses args, and
// checks every setting, falling back to getenv and then to the defaults.
// All bad settings are reported at once. A flag the command declared
// itself takes the place of a setting's flag of the same name
// (migrate-store's --from is not the sender address); that setting then
// comes from getenv or its default.
func parseConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (*Config, error) {
	all := settings()
	vals := make([]string, len(all))
	for i, s := range all {
		vals[i] = s.def
		if v := getenv(s.env); v != "" {
			vals[i] = v
		}
		if fs.Lookup(s.name) == nil {
			fs.StringVar(&vals[i], s.name, vals[i], s.help+" ["+s.env+"]")
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w (run dripcourse help to see the flags)", strings.TrimPrefix(fs.Name(), "dripcourse "), err)
	}
	c := &Config{}
	var errs []string
	for i, s := range all {
		for _, err := range each(s.parse(c, strings.TrimSpace(vals[i]))) {
			errs = append(errs, s.env+": "+err.Error())
		}
	}
	errs = append(errs, together(c)...)
	if len(errs) > 0 {
		return nil, fmt.Errorf("configuration:\n  %s", strings.Join(errs, "\n  "))
	}
	if c.SMTP != nil {
		c.SMTP.Connections = c.Connections
	}
	return c, nil
}

// together checks the settings that only make sense with others.
func together(c *Config) []string {
	errs := bounceTogether(c)
	if c.DKIMKey != "" && c.DKIMSelector == "" {
		errs = append(errs, "DRIP_DKIM_SELECTOR: DRIP_DKIM_KEY is set, so a selector is needed too (the DNS name the public key is published under)")
	}
	return errs
}

// each lists the errors joined in err, or err alone; none for nil.
func each(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

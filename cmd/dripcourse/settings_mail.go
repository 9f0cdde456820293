package main

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The settings that reach a mail header (From, Reply-To, List-Unsubscribe,
// DKIM-Signature) or every footer. Each refuses what could end a header
// line or hide in one: a header injected through a setting would be in
// every message sent.

// plainText refuses control characters (line breaks, tabs, NUL, C1 codes),
// Unicode's line and paragraph separators, and bytes that are not UTF-8.
func plainText(what, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	for _, r := range v {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			if what == "" {
				return fmt.Errorf("%q contains a control character", v)
			}
			return fmt.Errorf("%s must be one line of text, with no control characters (found %U)", what, r)
		}
	}
	return nil
}

var (
	// localPart is a dot-atom (RFC 5322 atext between single dots): an
	// address that needs quoting or non-ASCII letters is refused, as not
	// every relay takes one in the envelope.
	localPart = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
	// hostName is a DNS name of letters, digits and inner hyphens.
	hostName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)
)

// bareAddress reports whether s is one plain address, local@domain.
func bareAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && len(s) <= 254 && localPart.MatchString(s[:at]) && hostName.MatchString(s[at+1:])
}

// parseFrom takes one address, bare or in the form every mail tool
// writes, "Name <address>"; the name is the sender's name unless
// DRIP_FROM_NAME (read after it) says otherwise.
func parseFrom(c *Config, v string) error {
	c.From = v
	if err := plainText("the sender", v); err != nil {
		return err
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || !bareAddress(addr.Address) {
		return fmt.Errorf("%q is not one email address such as course@example.com or Course Name <course@example.com>", v)
	}
	c.From, c.FromName = addr.Address, addr.Name
	return plainText("the sender's name", addr.Name)
}

func parseFromName(c *Config, v string) error {
	if v != "" {
		c.FromName = v
	}
	return plainText("the sender's name", v)
}

func parseReplyTo(c *Config, v string) error {
	c.ReplyTo = v
	if v != "" && (plainText("", v) != nil || !bareAddress(v)) {
		return fmt.Errorf("%q is not a bare email address like replies@example.com", v)
	}
	return nil
}

func parsePostalAddress(c *Config, v string) error {
	c.PostalAddress = v
	return plainText("the postal address", v)
}

// mailtoLocal is the local part a mailto: URI carries without escaping.
var mailtoLocal = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

func parseUnsubMailto(c *Config, v string) error {
	c.UnsubMailto = v
	if v == "" {
		return nil
	}
	at := strings.LastIndexByte(v, '@')
	if plainText("", v) != nil || !bareAddress(v) || !mailtoLocal.MatchString(v[:at]) {
		return fmt.Errorf("%q is not a bare email address like leave@example.com (letters, digits and . _ + - before the @)", v)
	}
	return nil
}

func parseDKIMSelector(c *Config, v string) error {
	c.DKIMSelector = v
	if v != "" && !hostName.MatchString(v) {
		return fmt.Errorf("%q is not a DKIM selector: letters, digits, hyphens and dots, such as mail2026", v)
	}
	return nil
}

func parseDKIMDomain(c *Config, v string) error {
	c.DKIMDomain = v
	if v != "" && !hostName.MatchString(v) {
		return fmt.Errorf("%q is not a domain name such as example.com", v)
	}
	return nil
}

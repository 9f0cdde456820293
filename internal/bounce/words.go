package bounce

import "strings"

// Words that the policy looks for in lower-cased diagnostics. They are
// matched as whole words or phrases (hasWord), so "spf" does not match
// inside another word.
var (
	// ourWords name a refusal of our sending: block lists, authentication,
	// policy, relaying and content filters.
	ourWords = []string{
		"spamhaus", "spamcop", "barracuda", "sorbs", "rbl", "dnsbl", "uceprotect",
		"blacklist", "blacklisted", "blocklist", "blocklisted", "black list", "block list",
		"blocked", "listed at", "listed in", "listed on", "banned",
		"spf", "dkim", "dmarc", "unauthenticated", "not authenticated", "authentication",
		"policy", "reputation", "relay access denied", "relaying denied", "unable to relay",
		"relay not permitted", "relaying not allowed", "not permitted to relay",
		"spam", "unsolicited", "bulk mail", "rate limited",
	}
	// goneWords say the mailbox or the domain does not exist (or no longer
	// does).
	goneWords = []string{
		"user unknown", "unknown user", "no such user", "no such mailbox", "no such recipient",
		"no such address", "no such account", "user not found", "recipient not found",
		"recipientnotfound", "recipnotfound", "mailbox not found", "mailbox unavailable",
		"mailbox does not exist", "does not exist", "doesn't exist", "invalid recipient",
		"invalid mailbox", "unknown recipient", "recipient unknown", "address unknown",
		"unknown address", "unrouteable address", "unroutable address", "no mailbox",
		"account disabled", "account has been disabled", "mailbox disabled",
		"account is disabled", "deactivated", "doesn't have a", "does not have a",
		"unknown local part", "not a valid mailbox", "address rejected: user",
		"domain not found", "domain does not exist", "no mx", "host or domain name not found",
		"account that you tried to reach does not exist",
	}
	// expiredWords say the sender gave up after retrying for its queue
	// lifetime.
	expiredWords = []string{
		"retry timeout exceeded", "expired", "too long in queue", "in the queue too long",
		"queue lifetime", "could not be delivered for", "retry time exceeded",
	}
)

// hasWord reports whether w occurs in s with no letter or digit directly
// before or after it.
func hasWord(s, w string) bool {
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if (i == 0 || !alnum(s[i-1])) && (end == len(s) || !alnum(s[end])) {
			return true
		}
		from = i + 1
	}
	return false
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// containsAny reports whether s holds any of the words as whole words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if hasWord(s, w) {
			return true
		}
	}
	return false
}

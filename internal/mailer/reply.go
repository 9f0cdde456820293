package mailer

import (
	"regexp"
	"strings"
)

var enhancedPattern = regexp.MustCompile(`^([245]\.\d{1,3}\.\d{1,3})\s+`)

// splitEnhanced separates an enhanced status code ("5.1.1") from the start
// of a reply's text.
func splitEnhanced(msg string) (enhanced, text string) {
	msg = strings.TrimSpace(msg)
	if m := enhancedPattern.FindStringSubmatch(msg); m != nil {
		return m[1], strings.TrimSpace(msg[len(m[0]):])
	}
	return "", msg
}

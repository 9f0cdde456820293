package course

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

const maxDelay = 365 * 24 * time.Hour

// ParseDelay reads a lesson delay such as "2d", "36h", "90m" or "1d12h".
// Days are calendar days of 24 hours; the send window, not the delay,
// decides the hour a lesson arrives.
func ParseDelay(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("delay is empty: write it like 2d, 36h or 90m")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("delay %q is not a delay; write it like 2d, 36h or 90m", s)
		}
		if i > 4 {
			return 0, fmt.Errorf("delay %q is more than a year; the longest is 365d", s)
		}
		n, _ := strconv.Atoi(rest[:i])
		var unit time.Duration
		switch rest[i] {
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		default:
			return 0, fmt.Errorf("delay %q has the unit %q; use d (days), h (hours) or m (minutes), as in 2d, 36h or 90m", s, unitOf(rest[i:]))
		}
		total += time.Duration(n) * unit
		rest = rest[i+1:]
	}
	if total > maxDelay {
		return 0, fmt.Errorf("delay %q is more than a year; the longest is 365d", s)
	}
	return total, nil
}

// unitOf is the character at the start of s, whole even when it is not
// ASCII.
func unitOf(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	return string(r)
}

// FormatDelay writes d the way ParseDelay reads it.
func FormatDelay(d time.Duration) string {
	if d == 0 {
		return "0d"
	}
	s := ""
	if days := d / (24 * time.Hour); days > 0 {
		s += strconv.Itoa(int(days)) + "d"
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		s += strconv.Itoa(int(h)) + "h"
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		s += strconv.Itoa(int(m)) + "m"
	}
	return s
}

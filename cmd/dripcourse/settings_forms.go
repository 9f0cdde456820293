package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dripcourse/dripcourse/internal/captcha"
	"github.com/dripcourse/dripcourse/internal/web"
)

// The settings of signup forms on the operator's own sites and of the
// captcha.
func formSettings() []setting {
	return []setting{
		{"form-origins", "DRIP_FORM_ORIGINS", "", "comma-separated origins (https://blog.example.com) whose pages may post signups, read their JSON answers and frame the embed page", parseFormOrigins},
		{"captcha", "DRIP_CAPTCHA", "on", "the proof-of-work captcha on every signup form: on or off", parseCaptcha},
		{"captcha-difficulty", "DRIP_CAPTCHA_DIFFICULTY", strconv.Itoa(captcha.DefaultMaxNumber), "the captcha's maxnumber: a browser tries half as many hashes on average", parseCaptchaDifficulty},
	}
}

// parseFormOrigins reports every bad origin of the list, not only the
// first, and keeps each in the form a browser's Origin header has.
func parseFormOrigins(c *Config, v string) error {
	if v == "" {
		return nil
	}
	var errs []error
	for _, o := range strings.Split(v, ",") {
		origin, err := web.CanonicalOrigin(strings.TrimSpace(o))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.FormOrigins = append(c.FormOrigins, origin)
	}
	return errors.Join(errs...)
}

func parseCaptcha(c *Config, v string) error {
	switch v {
	case "on":
		c.Captcha = true
	case "off":
		c.Captcha = false
	default:
		return fmt.Errorf("%q: use on or off", v)
	}
	return nil
}

// minDifficulty keeps the captcha a cost: below it a solution takes a
// bot no time at all.
const minDifficulty = 1000

func parseCaptchaDifficulty(c *Config, v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < minDifficulty || n > captcha.MaxMaxNumber {
		return fmt.Errorf("%q is not a whole number from %d to %d (the default, %d, takes a mid-range phone about half a second)",
			v, minDifficulty, captcha.MaxMaxNumber, captcha.DefaultMaxNumber)
	}
	c.CaptchaDifficulty = n
	return nil
}

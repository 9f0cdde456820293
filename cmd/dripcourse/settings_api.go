package main

import (
	"fmt"
	"strconv"
)

// The settings of the JSON API and of webhooks.

// apiSettings are listed after the bounce settings in help.
func apiSettings() []setting {
	return []setting{
		{"api-rate", "DRIP_API_RATE", "600", "most requests per minute each API key may make to /api/v1", parseAPIRate},
		{"webhook-allow-private", "DRIP_WEBHOOK_ALLOW_PRIVATE", "false", "true lets webhook endpoints be http://localhost and private or loopback addresses (for testing; keep false in production)", parseWebhookAllowPrivate},
	}
}

func parseAPIRate(c *Config, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return fmt.Errorf("%q is not a number of requests a minute from 1 to 1000000", v)
	}
	c.APIRate = n
	return nil
}

func parseWebhookAllowPrivate(c *Config, v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	c.WebhookAllowPrivate = b
	return nil
}

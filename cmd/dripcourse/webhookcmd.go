package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/webhook"
)

// webhookCommand declares "webhook add URL --events ... | list |
// remove ID|URL | replay EVENT ENDPOINT".
func webhookCommand(*flag.FlagSet) action {
	return func(ctx context.Context, e *env) error {
		if len(e.args) == 0 {
			return errWebhookUsage
		}
		a, err := openQuiet(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		switch e.args[0] {
		case "add":
			return a.addWebhook(ctx, e.stdout, e.args[1:])
		case "list":
			return a.listWebhooks(ctx, e.stdout)
		case "remove":
			if len(e.args) != 2 {
				return errWebhookUsage
			}
			ep, err := a.webhooks.FindEndpoint(ctx, e.args[1])
			if err != nil {
				return err
			}
			if err := a.webhooks.RemoveEndpoint(ctx, ep.ID); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed webhook endpoint %d (%s) with its pending deliveries\n", ep.ID, ep.URL)
			return nil
		}
		return errWebhookUsage
	}
}

var errWebhookUsage = fmt.Errorf("usage: dripcourse webhook add URL --events TYPE,... | list | remove ID|URL (types: %s)",
	strings.Join(webhook.EventTypes(), ","))

// addWebhook adds an endpoint and prints its secret, the only time it is
// shown.
func (a *app) addWebhook(ctx context.Context, w io.Writer, args []string) error {
	url, events, err := webhookArgs(args)
	if err != nil {
		return err
	}
	if err := webhook.ValidateURL(url, a.cfg.WebhookAllowPrivate); err != nil {
		return err
	}
	types, err := webhook.ParseEventTypes(events)
	if err != nil {
		return err
	}
	secret := webhook.NewSecret()
	id, err := a.webhooks.AddEndpoint(ctx, url, secret, types)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "webhook endpoint %d: %s\nevents: %s\nsigning secret:\n\n  %s\n\n", id, url, strings.Join(types, " "), string(secret))
	fmt.Fprintln(w, "This is the only time the secret is shown: verify each delivery's webhook-signature with it (Standard Webhooks).")
	return nil
}

// webhookArgs reads URL and --events a,b (or --events=a,b, repeated).
func webhookArgs(args []string) (url, events string, err error) {
	var evs []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--events" || arg == "-events":
			if i+1 == len(args) {
				return "", "", errWebhookUsage
			}
			i++
			evs = append(evs, args[i])
		case strings.HasPrefix(arg, "--events=") || strings.HasPrefix(arg, "-events="):
			evs = append(evs, arg[strings.Index(arg, "=")+1:])
		case strings.HasPrefix(arg, "-") || url != "":
			return "", "", errWebhookUsage
		default:
			url = arg
		}
	}
	if url == "" {
		return "", "", errWebhookUsage
	}
	return url, strings.Join(evs, ","), nil
}

func (a *app) listWebhooks(ctx context.Context, w io.Writer) error {
	eps, err := a.webhooks.Endpoints(ctx)
	if err != nil {
		return err
	}
	backlog, err := a.webhooks.Backlog(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\turl\tevents\tstate\tlast success\tfailing since")
	for _, ep := range eps {
		state := "active"
		if ep.Disabled {
			state = "disabled: " + ep.DisabledReason
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", ep.ID, ep.URL, strings.Join(ep.Types, ","), state, orNever(ep.LastSuccessAt), orDash(ep.FailingSince))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "deliveries pending: "+strconv.Itoa(backlog))
	return nil
}

func orDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return day(t)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/apikey"
)

// apikeyCommand declares "apikey create NAME [--scope ...] | list |
// revoke ID|NAME". The scopes are read from the arguments after the
// name, where the flag package no longer looks.
func apikeyCommand(*flag.FlagSet) action {
	return func(ctx context.Context, e *env) error {
		if len(e.args) == 0 {
			return errAPIKeyUsage
		}
		a, err := openQuiet(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		switch e.args[0] {
		case "create":
			return a.createAPIKey(ctx, e.stdout, e.args[1:])
		case "list":
			return a.listAPIKeys(ctx, e.stdout)
		case "revoke":
			if len(e.args) != 2 {
				return errAPIKeyUsage
			}
			k, err := a.db.RevokeAPIKey(ctx, e.args[1], a.now())
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "revoked API key %d (%s): it is refused from now on\n", k.ID, k.Name)
			return nil
		}
		return errAPIKeyUsage
	}
}

var errAPIKeyUsage = fmt.Errorf("usage: dripcourse apikey create NAME [--scope %s] | list | revoke ID|NAME", strings.Join(apikey.Scopes(), ","))

// createAPIKey makes a key and prints it, the only time it is shown.
func (a *app) createAPIKey(ctx context.Context, w io.Writer, args []string) error {
	name, scopes, err := apikeyArgs(args)
	if err != nil {
		return err
	}
	key := apikey.New()
	k, err := a.db.CreateAPIKey(ctx, name, key.Prefix, key.Hash, scopes, a.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "API key %d (%s), scopes: %s\n\n  %s\n\n", k.ID, k.Name, strings.Join(k.Scopes, " "), key.Secret)
	fmt.Fprintln(w, "This is the only time the key is shown: only its hash is kept. Send it as Authorization: Bearer KEY.")
	return nil
}

// apikeyArgs reads NAME and any --scope a,b (or --scope=a,b, repeated).
func apikeyArgs(args []string) (string, []string, error) {
	var name string
	var scopes []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--scope" || arg == "-scope":
			if i+1 == len(args) {
				return "", nil, fmt.Errorf("--scope needs a value: %s", strings.Join(apikey.Scopes(), ","))
			}
			i++
			scopes = append(scopes, args[i])
		case strings.HasPrefix(arg, "--scope=") || strings.HasPrefix(arg, "-scope="):
			scopes = append(scopes, arg[strings.Index(arg, "=")+1:])
		case strings.HasPrefix(arg, "-") || name != "":
			return "", nil, errAPIKeyUsage
		default:
			name = strings.TrimSpace(arg)
		}
	}
	if name == "" || len(name) > 100 {
		return "", nil, fmt.Errorf("apikey create: give the key a name of 1 to 100 characters, such as the tool that will use it")
	}
	parsed, err := apikey.ParseScopes(strings.Join(scopes, ","))
	return name, parsed, err
}

func (a *app) listAPIKeys(ctx context.Context, w io.Writer) error {
	keys, err := a.db.APIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "id\tname\tkey\tscopes\tcreated\tlast used\tstate")
	for _, k := range keys {
		state := "live"
		if k.Revoked() {
			state = "revoked " + day(k.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, apikey.Prefix+k.Prefix+"_…", strings.Join(k.Scopes, ","),
			day(k.CreatedAt), orNever(k.LastUsedAt), state)
	}
	return tw.Flush()
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return day(t)
}

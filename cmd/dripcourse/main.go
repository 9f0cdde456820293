// Command dripcourse runs an email course: the signup site, the scheduler
// that sends each reader's lessons, and the operator's tools. Run
// "dripcourse help" for the subcommands and settings.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

func main() {
	// dripcourse's live heap is a few megabytes, so under Go's default
	// (GOGC=100) the collector ran about every 80 messages of a dispatch
	// pass and took a sixth of its CPU. At 200 it runs half as often for
	// about 5 MB more resident memory. GOGC or GOMEMLIMIT in the
	// environment still decide.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dripcourse:", err)
		}
		var ec exitCode
		if errors.As(err, &ec) {
			os.Exit(int(ec))
		}
		os.Exit(1)
	}
}

// exitCode is an error that asks for a particular exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// command is one subcommand.
type command struct {
	name, args, help string
	run              func(ctx context.Context, env *env) error
	flags            []flagDef // the command's own flags, besides the settings
}

// flagDef is a subcommand's own flag.
type flagDef struct {
	name, def, help string
	boolean         bool
}

// env is what a subcommand gets: its parsed configuration, its own flags
// and arguments, and where to write.
type env struct {
	now    func() time.Time
	cfg    *Config
	flags  map[string]string
	args   []string
	stdout io.Writer
	stderr io.Writer
}

// flag returns the value of one of the command's own flags.
func (e *env) flag(name string) string { return e.flags[name] }

// commands lists the subcommands; files that add one append to it in
// their own init.
var commands []command

func init() {
	commands = append(commands, []command{
		{"serve", "", "run the web server and the scheduler", cmdServe, nil},
		{"send", "[--now RFC3339]", "run one dispatch pass and exit, as if the time were --now", cmdSend,
			[]flagDef{{name: "now", help: "act as if the time were this RFC 3339 moment, e.g. 2026-12-01T09:00:00Z"}}},
		{"check", "", "load the lessons and templates and report every problem as file:line: message", cmdCheck,
			[]flagDef{{name: "against-live", boolean: true, help: "also show what these lessons would do to the readers in the database"}}},
		{"stats", "[--json]", "per lesson: sent, failed, bounced, opens and clicks (human and machine), unsubscribes; readers by status", cmdStats,
			[]flagDef{{name: "json", help: "print a JSON object instead of a table", boolean: true}}},
		{"healthcheck", "", "exit 0 if the server at DRIP_ADDR answers /healthz (for containers)", cmdHealthcheck, nil},
		{"help", "", "show this help", nil, nil},
	}...)
}

// run is the whole program, testable: it takes its arguments, environment
// and output explicitly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runAt(ctx, time.Now, args, getenv, stdout, stderr)
}

// runAt is run with the clock given, for tests.
func runAt(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name != args[0] || c.run == nil {
			continue
		}
		cfg, own, rest, err := parseConfig("dripcourse "+c.name, c.flags, args[1:], getenv, stderr)
		if err != nil {
			return err
		}
		return c.run(ctx, &env{now: now, cfg: cfg, flags: own, args: rest, stdout: stdout, stderr: stderr})
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dripcourse: an email course, delivered one lesson at a time.")
	fmt.Fprintln(w, "\nUsage: dripcourse COMMAND [settings] [arguments]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %-18s %s\n", c.name, c.args, c.help)
		for _, f := range c.flags {
			fmt.Fprintf(w, "  %-13s   --%-15s %s\n", "", f.name, f.help)
		}
	}
	fmt.Fprintln(w, "\nSettings (a flag, or the environment variable in brackets):")
	for _, s := range settings {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  --%-19s %s%s [%s]\n", s.name, s.help, def, s.env)
	}
}

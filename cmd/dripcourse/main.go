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
	err := runAt(ctx, time.Now, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code := report(err, os.Stderr); code != 0 {
		os.Exit(code)
	}
}

// report writes a command's error as one line, "dripcourse: ...", and
// returns the exit status. A command that has already said what was wrong
// (check's problems, import's bad rows) returns an exitCode, and nothing
// more is written.
func report(err error, stderr io.Writer) int {
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case !errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(stderr, "dripcourse:", err)
	}
	return 1
}

// exitCode is an error that asks for a particular exit status, once the
// command has said why.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// action runs a command once its flags and settings are parsed.
type action func(ctx context.Context, e *env) error

// command is one subcommand. declare adds the command's own typed flags
// to fs and returns the command's action, bound to their values.
type command struct {
	name, args, help string
	declare          func(fs *flag.FlagSet) action
}

// plain declares a command that has no flags of its own.
func plain(run action) func(*flag.FlagSet) action {
	return func(*flag.FlagSet) action { return run }
}

// env is what a command gets: its parsed configuration, its arguments,
// the clock, where to read and write, and how long serve may take to stop.
type env struct {
	now      func() time.Time
	cfg      *Config
	args     []string
	stdin    io.Reader // nil: none
	stdout   io.Writer
	stderr   io.Writer
	shutdown time.Duration
}

// commands lists the subcommands in the order help shows them: running
// the course, looking at it, the readers, the data, and the tools.
func commands() []command {
	return []command{
		{"serve", "", "run the web server and the scheduler", plain(cmdServe)},
		{"send", "[--now RFC3339]", "run one dispatch pass and exit, as if the time were --now; from cron, run it at least once in every send window (every 15 minutes)", sendCommand},
		{"check", "", "load the lessons and templates and report every problem as file:line: message", checkCommand},
		{"schedule", "", "what is due over the next 7 days, per day and lesson", scheduleCommand},
		{"stats", "[--json]", "per lesson: sent, failed, skipped, bounced, opens and clicks (human and machine), unsubscribes; readers by status", statsCommand},
		{"bounce", "[--dry-run] [FILE...]", "record the bounces, complaints and auto-replies in raw messages (one per FILE, or one on standard input, for an MTA's pipe transport), printing one JSON line per report", bounceCommand},
		{"subscriber", "pause|resume EMAIL", "pause or resume one reader's course", subscriberCommand},
		{"import", "FILE [--confirmed]", "add readers from a CSV file with a header row: email,name,timezone,course (all but email optional)", importCommand},
		{"export", "", "write every reader as CSV to standard output (with several courses, a row per reader and course)", exportCommand},
		{"backup", "FILE", "write a consistent copy of the live database to FILE", plain(cmdBackup)},
		{"course", "export|import|versions|republish", "the published versions of the courses and templates: export one as files (for git), import files as a new version after the checks, list them, republish an old one", plain(cmdCourse)},
		{"migrate-store", "--from --to", "copy a SQLite deployment (database and signing secret) into PostgreSQL; re-run it to catch up, it resumes if interrupted", migrateCommand},
		{"apikey", "create NAME [--scope ...]|list|revoke ID|NAME", "make a key for the JSON API at /api/v1 (shown once, only its hash kept), list the keys, or revoke one", apikeyCommand},
		{"webhook", "add URL --events ...|list|remove ID|URL", "add an endpoint that is sent signed events (its secret shown once), list the endpoints, or remove one", webhookCommand},
		benchCommand(),
		{"healthcheck", "", "exit 0 if the server at DRIP_ADDR answers /healthz (for containers)", plain(cmdHealthcheck)},
		{"help", "", "show this help", nil},
	}
}

// run is the whole program, testable: it takes its arguments, environment
// and output explicitly, and has no standard input.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runAt(ctx, time.Now, args, getenv, nil, stdout, stderr)
}

// runAt is run with the clock and standard input given (stdin may be nil).
func runAt(ctx context.Context, now func() time.Time, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name != args[0] || c.declare == nil {
			continue
		}
		fs := flag.NewFlagSet("dripcourse "+c.name, flag.ContinueOnError)
		// The flag package's own report is two lines and a flag list;
		// its error alone comes back as one line, and -h prints help.
		fs.SetOutput(io.Discard)
		act := c.declare(fs)
		cfg, err := parseConfig(fs, args[1:], getenv)
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return nil
		}
		if err != nil {
			return err
		}
		return act(ctx, &env{now: now, cfg: cfg, args: fs.Args(), stdin: stdin, stdout: stdout, stderr: stderr, shutdown: shutdownBudget})
	}
	return fmt.Errorf("unknown command %q: run dripcourse help to see the commands", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dripcourse: an email course, delivered one lesson at a time.")
	fmt.Fprintln(w, "\nUsage: dripcourse COMMAND [settings] [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-13s %-18s %s\n", c.name, c.args, c.help)
		printFlags(w, c)
	}
	fmt.Fprintln(w, "\nSettings (a flag, or the environment variable in brackets):")
	for _, s := range settings() {
		def := ""
		if s.def != "" {
			def = " (default " + s.def + ")"
		}
		fmt.Fprintf(w, "  --%-19s %s%s [%s]\n", s.name, s.help, def, s.env)
	}
}

// printFlags lists a command's own flags under it.
func printFlags(w io.Writer, c command) {
	if c.declare == nil {
		return
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.declare(fs)
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "  %-13s   --%-15s %s%s\n", "", f.Name, f.Usage, def)
	})
}

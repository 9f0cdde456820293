package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/bounce/intake"
)

// The exit statuses of the bounce command, as mail systems read a pipe
// transport's (sysexits.h): EX_DATAERR makes the mail system return the
// message as undeliverable, EX_TEMPFAIL makes it try again later.
const (
	exitNoReport = 65 // EX_DATAERR: a message holds no report, or cannot be read
	exitTryLater = 75 // EX_TEMPFAIL: the reports could not be recorded now
)

// bounceCommand declares bounce's --dry-run.
func bounceCommand(fs *flag.FlagSet) action {
	dryRun := fs.Bool("dry-run", false, "print what each report matches, and record nothing")
	return func(ctx context.Context, e *env) error { return cmdBounce(ctx, e, *dryRun) }
}

// cmdBounce reads one raw message from each file named, or from standard
// input when none is, and records the reports in it, printing one JSON
// line per report. A file that cannot be read, or holds no report, is
// named on standard error and the others go on; the exit status says the
// worst that happened (exitTryLater over exitNoReport).
func cmdBounce(ctx context.Context, e *env, dryRun bool) error {
	// Standard output is the reports; standard error says only what the
	// operator must act on (a failure of our own sending, a rate past a
	// threshold), besides the files refused.
	a, err := openExisting(ctx, e.cfg, newLoggerAt(e.cfg, e.stderr, slog.LevelWarn), e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	files := e.args
	if len(files) == 0 {
		files = []string{"-"}
	}
	worst := 0
	enc := json.NewEncoder(e.stdout)
	for _, name := range files {
		worst = max(worst, a.bounceFile(ctx, e, enc, name, dryRun)) // exitTryLater is the larger
	}
	if !dryRun {
		a.intake.CheckHealth(ctx)
	}
	if worst != 0 {
		return exitCode(worst)
	}
	return nil
}

// bounceFile records the reports of one message and returns its exit
// status.
func (a *app) bounceFile(ctx context.Context, e *env, enc *json.Encoder, name string, dryRun bool) int {
	raw, err := readMessage(e.stdin, name)
	if err == nil {
		var results []intake.Result
		results, err = a.intake.Message(ctx, raw, "", dryRun)
		for _, r := range results {
			enc.Encode(r.Line())
		}
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, bounce.ErrTooLarge), errors.Is(err, bounce.ErrNotMessage), errors.Is(err, bounce.ErrNotReport), errors.Is(err, errUnreadable):
		fmt.Fprintf(e.stderr, "dripcourse: %s: %v\n", displayName(name), err)
		return exitNoReport
	}
	fmt.Fprintf(e.stderr, "dripcourse: %s: not recorded, try again: %v\n", displayName(name), err)
	return exitTryLater
}

// errUnreadable marks a message that could not be read at all.
var errUnreadable = errors.New("cannot read the message")

// readMessage reads the file name, or standard input for "-", refusing
// anything over bounce.MaxSize without reading it all.
func readMessage(stdin io.Reader, name string) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errUnreadable, err)
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return nil, fmt.Errorf("%w: no file named and no standard input", errUnreadable)
	}
	raw, err := io.ReadAll(io.LimitReader(r, bounce.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUnreadable, err)
	}
	if len(raw) > bounce.MaxSize {
		return nil, bounce.ErrTooLarge
	}
	return raw, nil
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

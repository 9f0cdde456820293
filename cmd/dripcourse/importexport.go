package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/admin"
)

// importCommand declares import's --confirmed.
func importCommand(fs *flag.FlagSet) action {
	confirmed := fs.Bool("confirmed", false, "the readers consented elsewhere: start their course now, with no confirmation email")
	return func(ctx context.Context, e *env) error { return cmdImport(ctx, e, *confirmed) }
}

// importArgs finds the file among args, and a --confirmed that comes
// after it (the flag package stops at the first argument); confirmed is
// the flag as parsed before the file.
func importArgs(args []string, confirmed bool) (file string, _ bool, err error) {
	var files []string
	for _, a := range args {
		switch a {
		case "--confirmed", "-confirmed", "--confirmed=true", "-confirmed=true":
			confirmed = true
		default:
			if strings.HasPrefix(a, "-") {
				return "", false, fmt.Errorf("%s after the file name: put settings first, as in dripcourse import --data DIR FILE.csv", a)
			}
			files = append(files, a)
		}
	}
	if len(files) != 1 {
		return "", false, fmt.Errorf("usage: dripcourse import FILE.csv [--confirmed]")
	}
	return files[0], confirmed, nil
}

// cmdImport adds the file's readers. Every row not simply added is
// reported by line; bad rows make the exit status 1, after the good rows
// are in.
func cmdImport(ctx context.Context, e *env, confirmed bool) error {
	file, confirmed, err := importArgs(e.args, confirmed)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, e.cfg, quietLogger(e), time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	im := &admin.Importer{DB: a.db, Course: a.lib.Content().Default(), Now: a.now, Confirmed: confirmed}
	rep, err := im.Import(ctx, f)
	if rep != nil {
		for _, n := range rep.Notes {
			fmt.Fprintf(e.stdout, "%s:%d: %s\n", file, n.Line, n.Text)
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", file, rep.Summary())
		if rep.Added > 0 && !confirmed {
			fmt.Fprintln(e.stdout, "Each new reader gets a confirmation email with the next dispatch pass (serve, or dripcourse send).")
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if rep.Bad > 0 {
		return exitCode(1)
	}
	return nil
}

func cmdExport(ctx context.Context, e *env) error {
	if len(e.args) > 0 {
		return fmt.Errorf("usage: dripcourse export > readers.csv (unexpected %q)", strings.Join(e.args, " "))
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	return admin.ExportCSV(ctx, a.db, a.lib.Content().Default(), e.stdout)
}

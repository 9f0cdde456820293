package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/web"
)

func init() {
	commands = append(commands,
		command{"import", "FILE [--confirmed]", "add readers from a CSV file with a header row: email,name,timezone (name and timezone optional)", cmdImport,
			[]flagDef{{name: "confirmed", help: "the readers consented elsewhere: start their course now, with no confirmation email", boolean: true}}},
		command{"export", "", "write every reader as CSV to standard output", cmdExport, nil},
	)
}

// importArgs finds the file and the --confirmed flag, which may also come
// after the file name (the flag package stops at the first argument).
func importArgs(e *env) (file string, confirmed bool, err error) {
	confirmed = e.flag("confirmed") == "true"
	var files []string
	for _, a := range e.args {
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
func cmdImport(ctx context.Context, e *env) error {
	file, confirmed, err := importArgs(e)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, io.Discard), time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	im := &web.Importer{DB: a.db, Course: a.lib.Content().Course, Now: a.now, Confirmed: confirmed}
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
	a, err := openApp(ctx, e.cfg, newLogger(e.cfg, io.Discard), time.Now)
	if err != nil {
		return err
	}
	defer a.Close()
	return web.ExportCSV(ctx, a.db, a.lib.Content().Course, e.stdout)
}

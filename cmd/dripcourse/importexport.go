package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dripcourse/dripcourse/internal/admin"
)

// importOpts are import's own flags.
type importOpts struct {
	confirmed bool
	course    string
}

// importCommand declares import's --confirmed and --course, which may
// also come after the file.
func importCommand(fs *flag.FlagSet) action {
	var o importOpts
	o.declare(fs)
	return func(ctx context.Context, e *env) error {
		args, err := laterFlags(e.args, o.declare, "dripcourse import --data DIR FILE.csv --course SLUG")
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return fmt.Errorf("usage: dripcourse import FILE.csv [--confirmed] [--course SLUG]")
		}
		return cmdImport(ctx, e, args[0], o)
	}
}

func (o *importOpts) declare(fs *flag.FlagSet) {
	fs.BoolVar(&o.confirmed, "confirmed", o.confirmed, "the readers consented elsewhere: start their course now, with no confirmation email")
	slugVar(fs, &o.course, "the course of the rows that name none in a course column (default: the default course)")
}

// cmdImport adds the file's readers. Every row not simply added is
// reported by line; bad rows make the exit status 1, after the good rows
// are in.
func cmdImport(ctx context.Context, e *env, file string, o importOpts) error {
	if o.course != "" {
		// Before the database is made, so a mistyped slug leaves nothing.
		ct, err := loadContent(e.cfg)
		if err != nil {
			return err
		}
		if _, err := findCourse(ct, o.course); err != nil {
			return err
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, e.cfg, quietLogger(e), e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	ct := a.lib.Content()
	crs := ct.Default()
	if o.course != "" {
		crs, _ = ct.Course(o.course)
	}
	im := &admin.Importer{DB: a.db, Course: crs, Set: ct.Set, Now: a.now, Confirmed: o.confirmed}
	rep, err := im.Import(ctx, f)
	if rep != nil {
		printImport(e.stdout, file, rep, o.confirmed)
		if !ct.Set.Single() && o.course == "" {
			fmt.Fprintf(e.stdout, "Rows that name no course went to the default course, %s (--course SLUG names another).\n", crs.Slug)
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

// printImport prints an import's report: a line per row not simply
// added, then the totals.
func printImport(w io.Writer, file string, rep *admin.ImportReport, confirmed bool) {
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "%s:%d: %s\n", file, n.Line, n.Text)
	}
	fmt.Fprintf(w, "%s: %s\n", file, rep.Summary())
	if rep.Added > 0 && !confirmed {
		fmt.Fprintln(w, "Each new reader gets a confirmation email with the next dispatch pass (serve, or dripcourse send).")
	}
}

// exportCommand declares export's --course.
func exportCommand(fs *flag.FlagSet) action {
	slug := courseFlag(fs, "every course, one row per reader and course")
	return func(ctx context.Context, e *env) error { return cmdExport(ctx, e, *slug) }
}

// cmdExport writes the readers as CSV. With one course, a row per reader
// as it always has; with several, a row per reader and course, with a
// course column (admin.ExportEnrollments), of every course or of the
// one --course names.
func cmdExport(ctx context.Context, e *env, slug string) error {
	if len(e.args) > 0 {
		return fmt.Errorf("usage: dripcourse export [--course SLUG] > readers.csv (unexpected %q)", strings.Join(e.args, " "))
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	ct := a.lib.Content()
	if _, err := pickCourses(ct, slug); err != nil {
		return err
	}
	if ct.Set.Single() {
		return admin.ExportCSV(ctx, a.db, ct.Default(), e.stdout)
	}
	return admin.ExportEnrollments(ctx, a.db, slug, e.stdout)
}

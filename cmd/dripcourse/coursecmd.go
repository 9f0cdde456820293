package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// byImport names the publisher of versions that course import made.
const byImport = "import"

const courseUsage = `usage: dripcourse course export [--course SLUG | --templates] [--version N] DIR
       dripcourse course import DIR
       dripcourse course versions [--course SLUG | --templates]
       dripcourse course republish (--course SLUG | --templates) --version N`

// courseFlags are the flags of course's subcommands, which come after the
// subcommand's name.
type courseFlags struct {
	course    string
	templates bool
	version   int
}

// unit is the unit the flags name: a course, the templates, or "" for all.
func (f courseFlags) unit() (string, error) {
	switch {
	case f.course != "" && f.templates:
		return "", errors.New("--course and --templates name different things: give one")
	case f.templates:
		return store.Templates, nil
	}
	return f.course, nil
}

// parseCourseArgs reads a subcommand's flags and its arguments.
func parseCourseArgs(sub string, args []string) (courseFlags, []string, error) {
	var f courseFlags
	fs := flag.NewFlagSet("dripcourse course "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	slugVar(fs, &f.course, "the course, by its slug")
	fs.BoolVar(&f.templates, "templates", false, "the email and page templates")
	fs.IntVar(&f.version, "version", 0, "a version number (default: the latest)")
	if err := fs.Parse(args); err != nil {
		return f, nil, fmt.Errorf("course %s: %w (settings go before the subcommand: dripcourse course --data DIR %s ...)\n%s", sub, err, sub, courseUsage)
	}
	for _, a := range fs.Args() {
		if strings.HasPrefix(a, "-") {
			return f, nil, fmt.Errorf("course %s: %s after the folder: put flags first\n%s", sub, a, courseUsage)
		}
	}
	return f, fs.Args(), nil
}

// cmdCourse runs course's subcommands on the published versions.
func cmdCourse(ctx context.Context, e *env) error {
	if len(e.args) == 0 {
		return errors.New(courseUsage)
	}
	sub := e.args[0]
	run := map[string]func(context.Context, *env, courseFlags, []string) error{
		"export": courseExport, "import": courseImport, "versions": courseVersions, "republish": courseRepublish,
	}[sub]
	if run == nil {
		return fmt.Errorf("course: no subcommand %q\n%s", sub, courseUsage)
	}
	f, args, err := parseCourseArgs(sub, e.args[1:])
	if err != nil {
		return err
	}
	return run(ctx, e, f, args)
}

// courseExport writes a version, or the latest of everything, as files.
func courseExport(ctx context.Context, e *env, f courseFlags, args []string) error {
	unit, err := f.unit()
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return errors.New(courseUsage)
	}
	if unit == "" && f.version != 0 {
		return errors.New("course export: --version needs --course or --templates: each course has its own versions")
	}
	a, err := openQuiet(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	files, what, err := exportFiles(ctx, a.db, unit, f.version)
	if err != nil {
		return err
	}
	if err := versions.WriteDir(args[0], files); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d files into %s\n", what, len(files), args[0])
	return nil
}

// exportFiles reads what export writes: one version of unit, or, with no
// unit, the latest of every unit under lessons/ and templates/.
func exportFiles(ctx context.Context, db *store.DB, unit string, number int) (store.Files, string, error) {
	if unit != "" {
		v, files, err := db.VersionFiles(ctx, unit, number)
		if errors.Is(err, drip.ErrNotFound) {
			return nil, "", fmt.Errorf("course export: %w", err)
		}
		return files, fmt.Sprintf("%s version %d", unitName(unit), v.Number), err
	}
	snap, err := db.Latest(ctx)
	if err != nil {
		return nil, "", err
	}
	if len(snap.Versions) == 0 {
		return nil, "", errors.New("course export: nothing is published yet: dripcourse serve publishes the lessons and templates when it starts")
	}
	return versions.Prefixed(snap.Files), "the latest of " + describe(snap.Versions), nil
}

// courseImport publishes the files in a folder, after the checks of
// dripcourse check on the folder and on the content it would make.
func courseImport(ctx context.Context, e *env, f courseFlags, args []string) error {
	if len(args) != 1 || f.course != "" || f.templates || f.version != 0 {
		return errors.New(courseUsage)
	}
	dir := args[0]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("course import: %s is not a folder", dir)
	}
	units, err := loader().ReadDir(os.DirFS(dir))
	if err != nil {
		return printProblems(e, dir, err)
	}
	a, err := openApp(ctx, e.cfg, quietLogger(e), e.now)
	if err != nil {
		return err
	}
	defer a.Close()
	made, err := a.db.Publish(ctx, store.Publication{By: byImport, At: e.now(), Changes: units, Check: loader().Check})
	if err != nil {
		return printProblems(e, "", err)
	}
	reportPublished(e.stdout, units, made)
	return nil
}

// printProblems prints a check's problems one a line, with their files
// under dir, and asks for exit status 1; another error comes back as is.
func printProblems(e *env, dir string, err error) error {
	var ps drip.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for _, p := range ps {
		if dir != "" {
			p.File = filepath.Join(dir, p.File)
		}
		fmt.Fprintln(e.stdout, p.String())
	}
	fmt.Fprintln(e.stdout, "nothing was published")
	return exitCode(1)
}

// reportPublished says, per unit imported, what became of it.
func reportPublished(w io.Writer, units versions.Units, made []store.Version) {
	got := map[string]store.Version{}
	for _, v := range made {
		got[v.Course] = v
	}
	var names []string
	for u := range units {
		names = append(names, u)
	}
	slices.Sort(names)
	for _, u := range names {
		if v, ok := got[u]; ok {
			fmt.Fprintf(w, "published %s version %d\n", unitName(u), v.Number)
		} else {
			fmt.Fprintf(w, "%s unchanged: its latest version has these files\n", unitName(u))
		}
	}
}

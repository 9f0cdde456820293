package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

// migration is what migrate-store was asked to do: its flags, and then
// the SQLite file itself (from without its sqlite: prefix).
type migration struct {
	from, to string // sqlite:PATH, and the PostgreSQL URL
	batch    int
	file     string
}

// migrateCommand declares migrate-store's flags. Its --from takes the
// place of the sender-address setting of the same name.
func migrateCommand(fs *flag.FlagSet) action {
	var m migration
	fs.StringVar(&m.from, "from", "", "the SQLite database file, as sqlite:PATH (e.g. sqlite:data/dripcourse.db); it is only read")
	fs.StringVar(&m.to, "to", "", "the PostgreSQL database, as postgres://user:pass@host/db")
	fs.IntVar(&m.batch, "batch", 2000, "rows per PostgreSQL transaction")
	return func(ctx context.Context, e *env) error { return cmdMigrateStore(ctx, e, m) }
}

// check checks migrate-store's flags and arguments. It never repeats
// --to, which may hold a password.
func (m *migration) check(args []string) error {
	const usage = "usage: dripcourse migrate-store --from sqlite:PATH --to postgres://user:pass@host/db"
	if len(args) > 0 || m.from == "" || m.to == "" {
		return errors.New(usage)
	}
	m.file = strings.TrimPrefix(m.from, "sqlite:")
	if !strings.HasPrefix(m.from, "sqlite:") || m.file == "" {
		return errors.New("migrate-store: --from must name the SQLite database file as sqlite:PATH, e.g. sqlite:data/dripcourse.db")
	}
	if !store.IsPostgres(m.to) {
		return errors.New("migrate-store: --to must be a postgres:// URL, e.g. postgres://user:pass@host/db")
	}
	if m.batch < 1 || m.batch > 50000 {
		return fmt.Errorf("migrate-store: --batch %d is not a whole number from 1 to 50000", m.batch)
	}
	if fi, err := os.Stat(m.file); err != nil || fi.IsDir() {
		return fmt.Errorf("migrate-store: --from: no database file at %s", m.file)
	}
	return nil
}

// migrateSecret reads the signing secret kept beside the SQLite database.
// Links in emails already sent are signed with it, so PostgreSQL must get
// the same one.
func migrateSecret(db string) (string, error) {
	file := filepath.Join(filepath.Dir(db), "secret")
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("migrate-store: no signing secret at %s: links in emails already sent are signed with it, "+
			"so it must be copied too; put the deployment's secret file beside the database and run again", file)
	}
	if err != nil {
		return "", fmt.Errorf("migrate-store: signing secret: %w", err)
	}
	s, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(s) < 32 {
		return "", fmt.Errorf("migrate-store: signing secret %s is damaged: restore it from a backup", file)
	}
	return hex.EncodeToString(s), nil
}

// where names a PostgreSQL database by host and name only: the URL may
// hold a password.
func where(pg string) string {
	u, err := url.Parse(pg)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL " + u.Host + u.Path
}

func cmdMigrateStore(ctx context.Context, e *env, m migration) error {
	if err := m.check(e.args); err != nil {
		return err
	}
	secret, err := migrateSecret(m.file)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "copying %s into %s\n", m.file, where(m.to))
	dst, err := store.Open(ctx, m.to)
	if err != nil {
		return fmt.Errorf("migrate-store: destination: %w", err)
	}
	defer dst.Close()
	start := e.now()
	p := &copyPrinter{w: e.stdout, now: e.now, last: start}
	rep, err := store.Copy(ctx, m.file, dst, store.CopyOptions{Secret: secret, BatchSize: m.batch, Progress: p.print})
	switch {
	case errors.Is(err, context.Canceled):
		return errors.New("migrate-store: interrupted: run the same command again to resume where it stopped")
	case err != nil && !errors.Is(err, store.ErrCopyMismatch):
		return err
	}
	printCounts(e.stdout, rep)
	if err != nil {
		return fmt.Errorf("migrate-store: the copy is incomplete (is something writing to PostgreSQL?): %w", err)
	}
	fmt.Fprintf(e.stdout, "done in %s, signing secret included. Run again after stopping serve for a final copy, "+
		"then start dripcourse with DRIP_DATABASE_URL.\n", e.now().Sub(start).Round(time.Millisecond))
	return nil
}

// copyPrinter turns the copy's progress into lines on stdout: a line per
// table, and one every few seconds while a large table is copied.
type copyPrinter struct {
	w    io.Writer
	now  func() time.Time
	last time.Time
}

func (p *copyPrinter) print(s store.CopyProgress) {
	name := s.Table + ":"
	switch s.Stage {
	case store.CopyPruned:
		if s.Rows > 0 {
			fmt.Fprintf(p.w, "%-15s %d rows deleted: the source no longer has them\n", name, s.Rows)
		}
	case store.CopyBatch:
		if p.now().Sub(p.last) >= 2*time.Second {
			p.last = p.now()
			fmt.Fprintf(p.w, "%-15s %d rows so far (%s)\n", name, s.Rows, s.Elapsed.Round(time.Millisecond))
		}
	case store.CopyDone:
		resumed := ""
		if s.After > 0 {
			resumed = fmt.Sprintf(", resuming after id %d", s.After)
		}
		fmt.Fprintf(p.w, "%-15s %d rows copied in %s%s\n", name, s.Rows, s.Elapsed.Round(time.Millisecond), resumed)
	}
}

func printCounts(w io.Writer, rep store.CopyReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "table\tsqlite\tpostgres\t")
	for _, t := range rep.Tables {
		verdict := "ok"
		if t.Source != t.Dest {
			verdict = "DIFFERS"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", t.Table, t.Source, t.Dest, verdict)
	}
	tw.Flush()
}

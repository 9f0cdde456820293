package admin

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// ExportHeader is the header row of "dripcourse export" and of the admin's
// CSV download.
var ExportHeader = []string{"email", "name", "timezone", "status", "created", "confirmed", "last_lesson", "next_due", "enrollment_status"}

// importColumns says where each field is in an import file's rows; -1
// for a column the file does not have.
type importColumns struct{ Email, Name, Timezone, Course int }

// parseImportHeader finds the columns by name, in any order and case.
// Other columns are ignored, so an export can be imported again.
func parseImportHeader(rec []string) (importColumns, error) {
	c := importColumns{-1, -1, -1, -1}
	for i, f := range rec {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(f, "\ufeff"))) {
		case "email", "e-mail", "email address":
			c.Email = i
		case "name", "first name", "first_name":
			c.Name = i
		case "timezone", "time zone", "tz":
			c.Timezone = i
		case "course":
			c.Course = i
		}
	}
	if c.Email < 0 {
		return c, fmt.Errorf("the first row must be a header naming the columns, with at least email (e.g. email,name,timezone): %w", drip.ErrInvalid)
	}
	return c, nil
}

// parseImportRow cleans and checks one data row. It returns the reader to
// add, or a reason the row is refused. Names are cleaned as the signup
// form cleans them; an address or timezone the form would refuse is
// refused here too.
func parseImportRow(c importColumns, rec []string) (web.SignupForm, string) {
	field := func(i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return unescapeCell(rec[i])
	}
	email, tz := strings.TrimSpace(field(c.Email)), strings.TrimSpace(field(c.Timezone))
	f, problem := web.ParseSignup(email, field(c.Name), tz)
	switch {
	case email == "":
		return f, "no email address"
	case problem != "":
		return f, fmt.Sprintf("%q is not a valid email address", clip(email, 80))
	case tz != "" && f.Timezone == "":
		return f, fmt.Sprintf("unknown timezone %q: use an IANA name such as Europe/Paris, or leave it empty", clip(tz, 64))
	}
	return f, ""
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// Spreadsheets run a cell that starts with one of these as a formula. A
// reader's name is whatever they typed, so exported cells that start with
// one get a leading apostrophe (the usual defence), and import takes it
// off again.
const formulaStarts = "=+-@\t\r"

func escapeCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStarts, rune(s[0])) {
		return "'" + s
	}
	return s
}

func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStarts, rune(s[1])) {
		return s[1:]
	}
	return s
}

// ImportNote is one line of an import's report.
type ImportNote struct {
	Line int
	Text string
}

func (n ImportNote) String() string { return fmt.Sprintf("line %d: %s", n.Line, n.Text) }

// ImportReport says what an import did, row by row where a row was not
// simply added.
type ImportReport struct {
	Added, Existing, Suppressed, Bad int
	// Enrolled counts readers already present, and confirmed, who were
	// enrolled in a row's course, which they had never been in.
	Enrolled int
	Notes    []ImportNote
}

// maxNotes caps the report, so a wrong file does not produce a page of a
// hundred thousand lines.
const maxNotes = 500

func (rep *ImportReport) note(line int, format string, a ...any) {
	if len(rep.Notes) < maxNotes {
		rep.Notes = append(rep.Notes, ImportNote{line, fmt.Sprintf(format, a...)})
	}
}

// Summary is the report's one-line total.
func (rep *ImportReport) Summary() string {
	s := fmt.Sprintf("%d added, %d already present, %d suppressed, %d bad rows", rep.Added, rep.Existing, rep.Suppressed, rep.Bad)
	if rep.Enrolled > 0 {
		s += fmt.Sprintf(", %d readers already present enrolled in a further course", rep.Enrolled)
	}
	if more := rep.Existing + rep.Suppressed + rep.Bad - len(rep.Notes); more > 0 {
		s += fmt.Sprintf(" (the first %d are listed)", len(rep.Notes))
	}
	return s
}

// Importer adds readers from a CSV file with a header row and the columns
// email, name (optional), timezone (optional) and course (optional).
type Importer struct {
	DB *store.DB
	// Course is the course of a row that names none.
	Course *course.Course
	// Set holds the courses a row's course column may name; nil for
	// Course alone.
	Set *course.Set
	Now func() time.Time
	// Confirmed readers consented elsewhere: they are active and enrolled
	// at once. Otherwise each gets a confirmation email.
	Confirmed bool
}

// Import reads the whole file. Bad rows are reported by line and skipped;
// good rows are added, store.ImportBatch to a transaction. The error is
// for a file that cannot be imported at all (no header: it wraps
// drip.ErrInvalid, and its text is meant for the operator) or a database
// failure, which stops the import where it is: the batches before it are
// in, and a second run adds the rest.
func (im *Importer) Import(ctx context.Context, r io.Reader) (*ImportReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // optional columns may be left off a row
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("import: the file is empty; it needs a header row such as email,name,timezone: %w", drip.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("import: line 1: %w: %w", err, drip.ErrInvalid)
	}
	cols, err := parseImportHeader(header)
	if err != nil {
		return nil, fmt.Errorf("import: line 1: %w", err)
	}
	rep := &ImportReport{}
	b := im.DB.NewImportBatcher()
	defer b.Stop() // after an error, the batch in flight lands or fails before Import returns
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if err := b.Flush(ctx); err != nil {
				return rep, fmt.Errorf("import: %w", err)
			}
			return rep, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = b.Add(ctx, nil, func(store.ImportResult) {
				rep.Bad++
				rep.note(pe.StartLine, "not valid CSV: %v", pe.Err)
			})
			if err == nil {
				continue
			}
		}
		if err != nil {
			return rep, fmt.Errorf("import: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if err := im.row(ctx, b, rep, line, cols, rec); err != nil {
			return rep, fmt.Errorf("import: line %d: %w", line, err)
		}
	}
}

func (im *Importer) row(ctx context.Context, b *store.ImportBatcher, rep *ImportReport, line int, cols importColumns, rec []string) error {
	f, reason := parseImportRow(cols, rec)
	crs, unknown := im.rowCourse(cols, rec)
	if reason == "" {
		reason = unknown
	}
	if reason != "" {
		return b.Add(ctx, nil, func(store.ImportResult) {
			rep.Bad++
			rep.note(line, "%s", reason)
		})
	}
	now := im.Now().UTC()
	if f.Timezone == "" {
		f.Timezone = crs.Timezone.String()
	}
	first := schedule.Start(crs, f.Timezone, now)
	in := store.Import{Email: f.Email, Name: f.Name, Timezone: f.Timezone, Confirmed: im.Confirmed, Course: crs.Slug, FirstDue: first, At: now}
	return b.Add(ctx, &in, func(r store.ImportResult) {
		switch r.Outcome {
		case store.ImportAdded:
			rep.Added++
		case store.ImportExists:
			rep.Existing++
			rep.note(line, "%s is already a reader (%s); left as it is", f.Email, r.Status)
		case store.ImportSuppressed:
			rep.Suppressed++
			rep.note(line, "%s is suppressed (erased at the reader's request); not added", f.Email)
		case store.ImportEnrolled:
			rep.Enrolled++
		}
	})
}

// ExportCSV writes every reader as CSV, with ExportHeader first.
func ExportCSV(ctx context.Context, db *store.DB, crs *course.Course, w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(ExportHeader)
	err := db.EachReader(ctx, crs.Slug, func(r store.ReaderRow) error {
		return cw.Write(exportRow(r))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return err
}

// exportRow is a reader's row under ExportHeader.
func exportRow(r store.ReaderRow) []string {
	due := ""
	if r.EnrollStatus == drip.EnrollActive || r.EnrollStatus == drip.EnrollPaused {
		due = csvTime(r.NextDueAt)
	}
	return []string{escapeCell(r.Email), escapeCell(r.Name), r.Timezone, string(r.Status), csvTime(r.CreatedAt),
		csvTime(r.ConfirmedAt), r.LastSlug, due, string(r.EnrollStatus)}
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

package admin

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// FuzzImportRow drives the row parser with arbitrary CSV lines. Whatever
// the line, a row that is accepted must be one the signup form would
// accept as it stands: a valid address, a one-line name, a known zone.
func FuzzImportRow(f *testing.F) {
	for _, seed := range []string{
		"ann@example.com,Ann,Europe/Paris",
		"ann@example.com",
		"Ann@Example.COM,,",
		`"bob@example.org","Bob, Jr.",America/New_York`,
		"not-an-address,Bob,",
		",,",
		"cat@example.com,Cat,Mars/Olympus",
		"dan@example.com,'=HYPERLINK(\"http://x\"),UTC",
		"eve@example.com,\"Eve\r\nBcc: x@example.com\",",
		"a@b@example.com,,",
		"sam@example.com\t,  Sam  ,  Asia/Kathmandu ",
		"x@example.com,,../../../etc/passwd",
		"\"unterminated,",
		strings.Repeat("a", 300) + "@example.com,,",
		"ünï@exämple.com,Zoë,",
	} {
		f.Add(seed)
	}
	cols := importColumns{Email: 0, Name: 1, Timezone: 2}
	f.Fuzz(func(t *testing.T, line string) {
		cr := csv.NewReader(strings.NewReader(line))
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			return
		}
		got, reason := parseImportRow(cols, rec)
		if reason != "" {
			if !utf8.ValidString(reason) || strings.ContainsAny(reason, "\r\n") {
				t.Fatalf("reason %q is not one printable line", reason)
			}
			return
		}
		again, problem := web.ParseSignup(got.Email, got.Name, got.Timezone)
		if problem != "" || again != got {
			t.Fatalf("accepted %+v, but the signup form says %q (%+v)", got, problem, again)
		}
		if strings.ContainsAny(got.Name+got.Email+got.Timezone, "\r\n") {
			t.Fatalf("a line break got through: %+v", got)
		}
		if got.Timezone != "" && schedule.Zone(got.Timezone, nil) == nil {
			t.Fatalf("unknown zone %q accepted", got.Timezone)
		}
	})
}

func importDB(t *testing.T) (*store.DB, *course.Course) {
	t.Helper()
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "import.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, crs
}

func TestImportCSVLinesAndQuotes(t *testing.T) {
	db, crs := importDB(t)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	im := &Importer{DB: db, Course: crs, Now: func() time.Time { return now }}
	file := "\ufeffName,Email\n" + // another column order, a byte-order mark
		"\"Smith, Ann\",ann@example.com\n" +
		"\"Multi\nLine\",multi@example.com\n" + // a quoted line break: the next row is line 5
		"Bad \"quote,bad@example.com\n" +
		"Zed,zed@example.com\n" +
		"Zed again,ZED@example.com\n"
	rep, err := im.Import(context.Background(), strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range rep.Notes {
		notes = append(notes, n.String())
	}
	all := strings.Join(notes, "\n")
	if rep.Added != 3 || rep.Bad != 1 || rep.Existing != 1 || !strings.Contains(all, "line 5: not valid CSV") ||
		!strings.Contains(all, "line 7: ZED@example.com is already a reader (pending)") {
		t.Fatalf("report %+v:\n%s", rep, all)
	}
	s, err := db.SubscriberByEmail(context.Background(), "ann@example.com")
	if err != nil || s.Name != "Smith, Ann" || s.Timezone != "UTC" || s.Status != drip.StatusPending {
		t.Fatalf("ann: %+v %v", s, err)
	}
	if m, _ := db.SubscriberByEmail(context.Background(), "multi@example.com"); m.Name != "Multi Line" {
		t.Fatalf("a name with a line break was kept as %q", m.Name)
	}
}

func TestImportNeedsHeader(t *testing.T) {
	db, crs := importDB(t)
	im := &Importer{DB: db, Course: crs, Now: time.Now}
	for _, file := range []string{"", "ann@example.com,Ann\n", "name\nAnn\n"} {
		if _, err := im.Import(context.Background(), strings.NewReader(file)); err == nil {
			t.Errorf("file %q imported without an email header", file)
		}
	}
}

func TestExportEscapesFormulas(t *testing.T) {
	db, crs := importDB(t)
	now := time.Now()
	db.Subscribe(context.Background(), store.Signup{Email: "x@example.com", Name: "=HYPERLINK(\"http://evil\")", At: now, MaxConfirmations: 1, ConfirmWindow: time.Hour})
	var out bytes.Buffer
	if err := ExportCSV(context.Background(), db, crs, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"'=HYPERLINK(""http://evil"")"`) {
		t.Fatalf("a formula went out as a formula:\n%s", out.String())
	}
	// And the export imports again, formula text and all.
	db2, _ := importDB(t)
	rep, err := (&Importer{DB: db2, Course: crs, Now: time.Now}).Import(context.Background(), &out)
	if err != nil || rep.Added != 1 {
		t.Fatalf("re-import: %+v %v", rep, err)
	}
	if s, _ := db2.SubscriberByEmail(context.Background(), "x@example.com"); s.Name != `=HYPERLINK("http://evil")` {
		t.Fatalf("name after the round trip: %q", s.Name)
	}
}

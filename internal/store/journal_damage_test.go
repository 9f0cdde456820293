package store

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// TestJournalLinesAreReadAroundDamage: a bad line before the end of a
// journal file is damage, not a torn write: the lines around it are read,
// two lines run together are both read, and what is left of a broken
// outcome is named by its line.
func TestJournalLinesAreReadAroundDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.1.log")
	line := func(seq, id int) string {
		return fmt.Sprintf(`{"s":%d,"o":{"DeliveryID":%d,"EnrollmentID":%d,"SubscriberID":%d,"Slug":"one","Result":"sent"}}`, seq, id, id, id)
	}
	l3 := line(3, 30)
	broken := l3[:strings.Index(l3, `"SubscriberID"`)+5] + "\x00\x00\x00 disk error"
	text := line(1, 10) + "\n" + line(2, 20) + line(2, 20)[:0] + "\n" + broken + "\n" + line(4, 40) + line(5, 50) + "\n" + `{"s":6,"o":{"Deliv`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	es, bad, err := readSegment(path, 1)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, e := range es {
		seqs = append(seqs, e.Seq)
	}
	if fmt.Sprint(seqs) != "[2 4 5]" {
		t.Fatalf("entries %v, want [2 4 5]: after 1, around the damage, both of the lines run together, not the torn end", seqs)
	}
	if len(bad) != 2 || bad[0].line != 3 || bad[1].line != 4 || len(bad[1].lost) != 0 || string(bad[0].raw) != broken {
		t.Fatalf("damage: %+v, want lines 3 (broken) and 4 (run together, nothing lost)", bad)
	}
	if l := bad[0].lost; len(l) != 1 || l[0].DeliveryID != 30 || l[0].EnrollmentID != 30 || l[0].SubscriberID != 0 {
		t.Fatalf("what is left of line 3: %+v, want delivery and enrollment 30, and no reader (cut off)", l)
	}
	if bad[0].applied {
		t.Fatal("line 3 counted as applied, though nothing after 1 is")
	}
	if _, bad, _ = readSegment(path, 4); !bad[0].applied {
		t.Fatal("line 3 counted as not applied, though line 4 after it is")
	}
}

// damageLine replaces line n (from 1) of a journal file with what f
// makes of it, and returns the new line.
func damageLine(t *testing.T, path string, n int, f func(string) string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	lines[n-1] = f(lines[n-1])
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	return lines[n-1]
}

// TestDamagedJournalLineIsSetAside: a crashed pass left a journal whose
// fifth line is damaged. The database opens all the same: the outcomes
// before and after that line are applied, the line's bytes are kept in a
// file beside the database that the log names, and the lesson it
// recorded is recorded as sent, so that no claim sends it again.
func TestDamagedJournalLineIsSetAside(t *testing.T) {
	stores(t, testDamagedJournalLineIsSetAside)
}

func testDamagedJournalLineIsSetAside(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 10)
	deadJournal(t, db, outs)
	segs, _ := journalSegments(db.journalPrefix() + deadID(t, db))
	damaged := damageLine(t, segs[0].path, 5, func(l string) string { return l[:strings.Index(l, `"Slug"`)] + "\x00\x00\x17#!" })

	var log bytes.Buffer
	again, err := Open(ctx, db.path, WithLog(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatalf("open with a damaged journal line: %v", err)
	}
	defer again.Close()
	// Each outcome once: the ones around the damage applied, the damaged
	// one's lesson recorded as sent, with an attempt saying why.
	wantRecordedOnce(t, again, outs)
	kept, _ := filepath.Glob(db.path + ".journal-damaged-*")
	if len(kept) != 1 {
		t.Fatalf("set aside: %v, want one file", kept)
	}
	if b, _ := os.ReadFile(kept[0]); string(b) != damaged+"\n" {
		t.Fatalf("the kept line is %q, want its bytes %q", b, damaged)
	}
	for _, want := range []string{segs[0].path + " line 5 is damaged", "kept in " + kept[0], "cat -v " + kept[0],
		fmt.Sprintf("delivery %d (lesson one) is recorded as sent", outs[4].DeliveryID)} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	if files := filesLeft(t, again); len(files) != 0 {
		t.Fatalf("journal files left: %v", files)
	}
	d, err := again.Delivery(ctx, outs[4].DeliveryID, outs[4].SubscriberID)
	if err != nil || d.Status != drip.DeliverySent || !strings.Contains(d.LastReply, "outcome unknown") {
		t.Fatalf("the damaged line's delivery: %+v, %v; want sent, outcome unknown", d, err)
	}
	// Past the lease, the reader is claimed for their next lesson, not
	// this one again.
	jobs, err := again.ClaimDue(ctx, t0.Add(2*time.Hour), time.Hour, 10, func(d Due) Pick {
		for _, r := range d.Received {
			if r.Slug == "one" && r.Status != drip.DeliverySent {
				t.Errorf("reader %d claimed with lesson one %s", d.Subscriber.ID, r.Status)
			}
		}
		return Pick{Slug: "two", MessageID: "m2"}
	})
	if err != nil || len(jobs) != 1 || jobs[0].Subscriber.ID != outs[4].SubscriberID {
		t.Fatalf("claim after the lease: %d jobs, %v; want the damaged line's reader, for lesson two", len(jobs), err)
	}
}

// deadID is the id of the one journal of db that no process holds.
func deadID(t *testing.T, db *DB) string {
	t.Helper()
	var ids []string
	eachDeadJournal(db.journalPrefix(), func(id string) error { ids = append(ids, id); return nil })
	if len(ids) != 1 {
		t.Fatalf("dead journals: %v, want one", ids)
	}
	return ids[0]
}

// TestDamagedLineNamingNoDelivery: a line so damaged that no delivery can
// be told from it changes no lesson: the replay goes on, the line is
// kept, and the log says what becomes of a lesson it may have recorded.
func TestDamagedLineNamingNoDelivery(t *testing.T) {
	stores(t, testDamagedLineNamingNoDelivery)
}

func testDamagedLineNamingNoDelivery(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 3)
	deadJournal(t, db, outs)
	segs, _ := journalSegments(db.journalPrefix() + deadID(t, db))
	damageLine(t, segs[0].path, 2, func(l string) string { return "#" + strings.Repeat("?", len(l)-1) })
	var log bytes.Buffer
	again, err := Open(ctx, db.path, WithLog(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer again.Close()
	wantRecordedOnce(t, again, []Outcome{outs[0], outs[2]})
	if !strings.Contains(log.String(), "no delivery can be told from it") {
		t.Errorf("the log does not say the line names no delivery:\n%s", log.String())
	}
	if d, _ := again.Delivery(ctx, outs[1].DeliveryID, outs[1].SubscriberID); d.Status != drip.DeliverySending {
		t.Fatalf("a delivery no line names is %s, want left as it was", d.Status)
	}
}

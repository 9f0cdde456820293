package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// journalSegments lists a journal's segment files in the order written.
func journalSegments(prefix string) ([]segment, error) {
	names, err := journalFiles(prefix+".", ".log")
	if err != nil {
		return nil, err
	}
	segs := make([]segment, 0, len(names))
	nums := make(map[string]int, len(names))
	for _, n := range names {
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(n, prefix+"."), ".log"))
		if err != nil {
			continue // not one of ours
		}
		nums[n] = k
		segs = append(segs, segment{path: n})
	}
	sort.Slice(segs, func(a, b int) bool { return nums[segs[a].path] < nums[segs[b].path] })
	return segs, nil
}

// readSegment returns the entries of one segment file after the given
// sequence number, and the lines it could not read. Text after the last
// newline is a write that a crash cut short; its messages never left their
// place in the window, so it is dropped. A bad line anywhere else is
// damage: what can still be read of it comes back with it
// (journal_damage.go).
func readSegment(path string, after int64) ([]entry, []damage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("store: journal: %w", err)
	}
	lines := bytes.Split(data, []byte("\n"))
	var es []entry
	var bad []damage
	lastApplied := 0 // the last line already in the database
	for n, line := range lines[:len(lines)-1] {
		whole, d := readLine(path, n+1, line)
		if d != nil {
			bad = append(bad, *d)
		}
		for _, e := range whole {
			if e.Seq > after {
				es = append(es, e)
			} else {
				lastApplied = n + 1
			}
		}
	}
	for i := range bad {
		bad[i].applied = bad[i].line < lastApplied
	}
	return es, bad, nil
}

// damage is a line of a journal file that could not be read whole.
type damage struct {
	path string // the segment file
	line int    // its line number there
	raw  []byte // its bytes, without the newline
	// lost are the outcomes the line held that could not be read whole;
	// whole ones in it (two lines run together) are applied as usual.
	lost []lostOutcome
	// applied: a later line of the file is already in the database, so
	// this one was too.
	applied bool
}

// lostOutcome is what could still be read of a damaged outcome.
type lostOutcome struct {
	DeliveryID, EnrollmentID, SubscriberID int64
	Slug                                   string
	At                                     time.Time
}

func (l lostOutcome) named() bool {
	return l.DeliveryID > 0 || l.EnrollmentID > 0 || l.SubscriberID > 0
}

var (
	entryStart = []byte(`{"s":`)
	lostFields = regexp.MustCompile(`"(DeliveryID|EnrollmentID|SubscriberID)":([0-9]{1,18})[,}]|"(Slug|At)":"([^"\\]{1,200})"`)
)

// readLine reads line n of a journal file: its entry, or, when it is
// damaged, what can still be read of it.
func readLine(path string, n int, line []byte) ([]entry, *damage) {
	var e entry
	if err := json.Unmarshal(line, &e); err == nil && e.Seq > 0 {
		return []entry{e}, nil
	}
	d, whole := readDamaged(path, n, line)
	return whole, &d
}

// readDamaged reads what it can of a damaged line: outcomes that are
// still whole (a lost newline runs two lines together), and the fields
// of those that are not.
func readDamaged(path string, n int, line []byte) (damage, []entry) {
	d := damage{path: path, line: n, raw: line}
	var whole []entry
	for _, piece := range splitEntries(line) {
		var e entry
		if json.Unmarshal(piece, &e) == nil && e.Seq > 0 {
			whole = append(whole, e)
			continue
		}
		if len(bytes.Trim(piece, "\x00 \t\r")) > 0 {
			d.lost = append(d.lost, salvage(piece))
		}
	}
	return d, whole
}

// splitEntries cuts a line before each place an entry begins.
func splitEntries(line []byte) [][]byte {
	var out [][]byte
	for len(line) > 0 {
		next := bytes.Index(line[1:], entryStart)
		if next < 0 {
			return append(out, line)
		}
		out, line = append(out, line[:next+1]), line[next+1:]
	}
	return out
}

// salvage reads the fields that identify an outcome from a piece of one.
func salvage(piece []byte) lostOutcome {
	var l lostOutcome
	for _, m := range lostFields.FindAllSubmatch(piece, -1) {
		n, _ := strconv.ParseInt(string(m[2]), 10, 64)
		switch string(m[1]) + string(m[3]) {
		case "DeliveryID":
			l.DeliveryID = n
		case "EnrollmentID":
			l.EnrollmentID = n
		case "SubscriberID":
			l.SubscriberID = n
		case "Slug":
			l.Slug = string(m[4])
		case "At":
			l.At, _ = time.Parse(time.RFC3339Nano, string(m[4]))
		}
	}
	return l
}

package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
)

// Every page of the reader list, found by its number or from the page
// before, holds the readers a plain offset over its filters picks, and
// the list's total is their count, for every kind of filter.
func TestReaderPagesAgreeWithAnOffset(t *testing.T) {
	stores(t, testReaderPagesAgreeWithAnOffset)
}

func testReaderPagesAgreeWithAnOffset(t *testing.T) {
	db := open(t)
	statuses := []string{"active", "pending", "bounced", "unsubscribed", "complained", "active", "active"}
	for i := range 60 {
		email := fmt.Sprintf("p%02d@example.org", i)
		addReader(t, db, email, statuses[i%len(statuses)])
	}
	// Readers join the courses out of their own order, so that a
	// course's enrollments do not follow its readers' ids.
	for i := 59; i >= 0; i-- {
		for c, course := range []string{"one", "two"} {
			if (i+c)%3 == 0 {
				continue
			}
			enrollReader(t, db, fmt.Sprintf("p%02d@example.org", i), course, []string{"active", "completed", "pending", "stopped"}[i%4], 0)
		}
	}
	for _, q := range []ReaderQuery{
		{}, {Status: "active"}, {Course: "one"}, {Course: "one", Only: true}, {Course: "two", Only: true, Enrolled: "active"},
		{Course: "one", Only: true, Status: "bounced"}, {Course: "one", Only: true, Status: "active"}, {Search: "p1"},
		{Course: "two", Only: true, Search: "p"}, {Enrolled: "completed"},
	} {
		checkReaderPages(t, db, q)
	}
}

// checkReaderPages compares every page of q's list, by number and from
// its neighbour, with an offset over q's filters.
func checkReaderPages(t *testing.T, db *DB, q ReaderQuery) {
	t.Helper()
	ctx := context.Background()
	join, where, args := q.filters()
	var want []int64
	err := db.eachRow(ctx, "SELECT s.id FROM subscribers s"+join+where+" ORDER BY s.id DESC", func(scan func(...any) error) error {
		var id int64
		err := scan(&id)
		want = append(want, id)
		return err
	}, args...)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(rows []ReaderRow) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	q.Limit = 7
	var before int64
	for page := 0; page*q.Limit <= len(want); page++ {
		end := min(len(want), (page+1)*q.Limit)
		byNumber, byNeighbour := q, q
		byNumber.Offset = page * q.Limit
		byNeighbour.Before = before
		rows, total, err := db.Readers(ctx, byNumber)
		if err != nil || total != len(want) || !reflect.DeepEqual(ids(rows), want[page*q.Limit:end]) {
			t.Fatalf("%+v page %d by number: %v, total %d, %v; want %v of %d", q, page, ids(rows), total, err, want[page*q.Limit:end], len(want))
		}
		if rows, _, err = db.Readers(ctx, byNeighbour); err != nil || !reflect.DeepEqual(ids(rows), want[page*q.Limit:end]) {
			t.Fatalf("%+v page %d from the one before: %v, %v; want %v", q, page, ids(rows), err, want[page*q.Limit:end])
		}
		for _, r := range rows {
			if q.Course != "" && r.Course != q.Course && r.Course != "" {
				t.Fatalf("%+v: reader %d shows course %q", q, r.ID, r.Course)
			}
		}
		if len(rows) > 0 {
			before = rows[len(rows)-1].ID
		}
	}
}

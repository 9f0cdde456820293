package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/webhook"
)

// hookEvent is one webhook_events row, its body decoded.
type hookEvent struct {
	id, typ string
	body    struct {
		Type string    `json:"type"`
		Data EventData `json:"data"`
	}
}

func hookEvents(t *testing.T, db *DB) []hookEvent {
	t.Helper()
	var out []hookEvent
	err := db.eachRow(context.Background(), "SELECT msg_id, type, body FROM webhook_events ORDER BY created_at, body", func(scan func(...any) error) error {
		var e hookEvent
		var body string
		if err := scan(&e.id, &e.typ, &body); err != nil {
			return err
		}
		out = append(out, e)
		return json.Unmarshal([]byte(body), &out[len(out)-1].body)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hookTypes(es []hookEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.typ)
	}
	return out
}

func addHook(t *testing.T, db *DB, types ...string) int64 {
	t.Helper()
	id, err := db.Webhooks(testSealer(t)).AddEndpoint(context.Background(), "https://hooks.example/x", webhook.NewSecret(), types)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// readerLife takes one reader through every change that has an event.
func readerLife(t *testing.T, db *DB) int64 {
	t.Helper()
	ctx := context.Background()
	id, job := claimOne(t, db, "life@example.com", t0, "one")
	at := t0.Add(time.Minute)
	err := db.Record(ctx, Outcome{DeliveryID: job.DeliveryID, EnrollmentID: job.Enrollment.ID, SubscriberID: id, Slug: "one",
		Result: drip.DeliverySent, Reply: Reply{Code: 250}, At: at, NextDue: at.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []drip.Event{
		{SubscriberID: id, DeliveryID: job.DeliveryID, Kind: drip.EventOpen, At: at},
		{SubscriberID: id, DeliveryID: job.DeliveryID, Kind: drip.EventClick, Machine: true, Detail: "https://x.example/a", At: at},
		{SubscriberID: id, DeliveryID: job.DeliveryID, Kind: drip.EventClick, Detail: "https://x.example/b", At: at},
	} {
		if err := db.RecordEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := db.PauseEnrollment(ctx, id, "course", at); !ok || err != nil {
		t.Fatalf("pause: %v, %v", ok, err)
	}
	if ok, err := db.ResumeEnrollment(ctx, id, "course", at, at); !ok || err != nil {
		t.Fatalf("resume: %v, %v", ok, err)
	}
	if _, err := db.Leave(ctx, id, job.DeliveryID, "one-click", at); err != nil {
		t.Fatal(err)
	}
	other := active(t, db, "gone@example.com", t0)
	if err := db.MarkBounced(ctx, other, "550 5.1.1 no such user", at); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestWebhookEventsFromChanges(t *testing.T) { stores(t, testWebhookEventsFromChanges) }

func testWebhookEventsFromChanges(t *testing.T) {
	db := open(t)
	addHook(t, db, webhook.EventTypes()...)
	id := readerLife(t, db)
	got := hookEvents(t, db)
	want := []string{webhook.SubscriberConfirmed, webhook.EnrollmentStarted, // claimOne's reader confirms
		webhook.LessonSent, webhook.LessonOpened, webhook.LessonMachineClicked, webhook.LessonClicked,
		webhook.EnrollmentPaused, webhook.EnrollmentResumed, webhook.SubscriberUnsubscribed,
		webhook.SubscriberConfirmed, webhook.EnrollmentStarted, webhook.SubscriberBounced}
	if types := hookTypes(got); !slices.Equal(sortedCopy(types), sortedCopy(want)) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for _, e := range got {
		d := e.body.Data
		if d.Subscriber == nil || !strings.HasSuffix(d.Subscriber.Email, "@example.com") || e.body.Type != e.typ {
			t.Fatalf("%s: data %+v", e.typ, d)
		}
		switch e.typ {
		case webhook.LessonSent, webhook.LessonOpened, webhook.LessonClicked:
			if d.Course != "course" || d.Lesson != "one" || d.DeliveryID == 0 || d.Subscriber.ID != id {
				t.Fatalf("%s: data %+v", e.typ, d)
			}
		case webhook.EnrollmentStarted, webhook.EnrollmentPaused:
			if d.Course != "course" {
				t.Fatalf("%s: no course: %+v", e.typ, d)
			}
		case webhook.SubscriberBounced:
			if d.Reason != "550 5.1.1 no such user" {
				t.Fatalf("bounce reason %q", d.Reason)
			}
		}
	}
	if n := countQuery(t, db, "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'"); n != len(want) {
		t.Fatalf("%d deliveries pending, want one per event (%d)", n, len(want))
	}
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func countQuery(t *testing.T, db *DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Without an endpoint that wants them, changes write no event at all; a
// disabled endpoint, or one subscribed to other types, wants none.
func TestWebhookEventsNeedASubscriber(t *testing.T) { stores(t, testWebhookEventsNeedASubscriber) }

func testWebhookEventsNeedASubscriber(t *testing.T) {
	db := open(t)
	off := addHook(t, db, webhook.LessonSent)
	if err := db.Webhooks(testSealer(t)).SetEndpointEnabled(context.Background(), off, false, t0); err != nil {
		t.Fatal(err)
	}
	addHook(t, db, webhook.SubscriberComplained)
	readerLife(t, db)
	if n := countRows(t, db, "webhook_events"); n != 0 {
		t.Fatalf("%d events written with no endpoint wanting them", n)
	}
}

// A change that is rolled back reports nothing.
func TestWebhookEventRolledBackWithItsChange(t *testing.T) {
	stores(t, testWebhookEventRolledBackWithItsChange)
}

func testWebhookEventRolledBackWithItsChange(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	addHook(t, db, webhook.EventTypes()...)
	id := active(t, db, "a@example.com", t0)
	before := countRows(t, db, "webhook_events")
	if err := db.Erase(ctx, id, t0); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, db, "webhook_events"); before != 2 || n != 0 {
		t.Fatalf("events: %d before the erasure (want 2), %d after (want 0: they hold the address)", before, n)
	}
	// A confirmation that fails (the address is erased) writes nothing.
	if _, err := db.Confirm(ctx, id, "course", t0, t0); err == nil {
		t.Fatal("confirmed an erased reader")
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := emit(ctx, tx, webhook.LessonSent, t0, about(id)); err != nil {
			return err
		}
		return errors.New("the change fails")
	})
	if err == nil || countRows(t, db, "webhook_events") != 0 {
		t.Fatalf("an event outlived its rolled-back transaction (%v)", err)
	}
}

// On SQLite a send's outcome reaches the database through the journal;
// its lesson.sent event is written by the transaction that applies it,
// so a crash and the replay at the next Open write each exactly once.
func TestJournalReplayWritesEachEventOnce(t *testing.T) {
	stores(t, testJournalReplayWritesEachEventOnce)
}

func testJournalReplayWritesEachEventOnce(t *testing.T) {
	ctx := context.Background()
	db, outs := journalFixture(t, 40)
	addHook(t, db, webhook.LessonSent)
	j := db.NewJournal()
	applied(t, j, outs[:20])
	if err := db.InjectFault(ctx, ReadOnly); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(outs[20:]); err != nil {
		t.Fatal(err)
	}
	j.crash()
	if n := countRows(t, db, "webhook_events"); n != 20 {
		t.Fatalf("%d events before the crash, want 20", n)
	}
	again := openAt(t, db.path)
	wantRecordedOnce(t, again, outs)
	seen := map[int64]int{}
	for _, e := range hookEvents(t, again) {
		seen[e.body.Data.DeliveryID]++
	}
	for _, o := range outs {
		if seen[o.DeliveryID] != 1 {
			t.Fatalf("delivery %d has %d lesson.sent events, want 1", o.DeliveryID, seen[o.DeliveryID])
		}
	}
	if len(seen) != len(outs) {
		t.Fatalf("%d events, want %d", len(seen), len(outs))
	}
}

// The secret is sealed at rest: the row does not hold it.
func TestWebhookSecretSealedAtRest(t *testing.T) { stores(t, testWebhookSecretSealedAtRest) }

func testWebhookSecretSealedAtRest(t *testing.T) {
	db := open(t)
	w := db.Webhooks(testSealer(t))
	secret := webhook.NewSecret()
	id, err := w.AddEndpoint(context.Background(), "https://hooks.example/x", secret, []string{webhook.LessonSent})
	if err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := db.r.QueryRow("SELECT secret FROM webhook_endpoints WHERE id = ?", id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimPrefix(string(secret), webhook.SecretPrefix)
	if strings.Contains(stored, key) || !strings.HasPrefix(stored, "v1:") {
		t.Fatalf("stored secret %q is not sealed", stored)
	}
	if _, err := w.AddEvent(context.Background(), webhook.LessonSent, t0, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	got, err := w.Claim(context.Background(), webhook.Claim{Now: t0, Lease: time.Minute, PerEndpoint: 1, Limit: 1})
	if err != nil || len(got) != 1 || got[0].Secret != secret {
		t.Fatalf("claimed %d with the secret %v (%v)", len(got), len(got) == 1 && got[0].Secret == secret, err)
	}
}

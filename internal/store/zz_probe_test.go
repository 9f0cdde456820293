package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
)

func TestZZProbe(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	stores(t, func(t *testing.T) {
		postgresOnly(t, "probe")
		ctx := context.Background()
		target := testTarget(t)
		if os.Getenv("SYNC") != "" {
			target = strings.Replace(target, "synchronous_commit=off", "synchronous_commit=on", 1)
		}
		db := openAt(t, target)
		n := 20000
		if err := db.SeedDue(ctx, "course", n, t0, func(i int) string { return fmt.Sprintf("r%d@example.com", i) }); err != nil {
			t.Fatal(err)
		}
		var pid int
		c, _ := db.w.Conn(ctx)
		c.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid)
		c.Close()
		explain := func(q string, args ...any) {
			rows, err := db.w.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
				t.Log(s)
			}
			rows.Close()
		}
		explain(`SELECT id FROM enrollments WHERE status = 'active' AND next_due_at <= ? ORDER BY next_due_at LIMIT 256`, unix(t0))
		if os.Getenv("ANALYZE") != "" {
			db.w.ExecContext(ctx, "ANALYZE")
		}
		var claimT, recT time.Duration
		var claimC, recC float64
		var claims, recs int
		for {
			s := time.Now()
			c0 := backendCPU(t, db)
			jobs, err := db.ClaimDue(ctx, t0, time.Hour, 256, pickFirst("one"))
			claimT += time.Since(s)
			claimC += backendCPU(t, db) - c0
			if claims == 2 {
				backends = nil
			}
			if os.Getenv("ANALYZE") == "2" && claims%20 == 1 {
				db.w.ExecContext(ctx, "ANALYZE")
			}
			claims++
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) == 0 {
				break
			}
			for i := 0; i < len(jobs); i += 2 {
				var outs []Outcome
				for _, j := range jobs[i:min(i+2, len(jobs))] {
					outs = append(outs, Outcome{DeliveryID: j.DeliveryID, EnrollmentID: j.Enrollment.ID, SubscriberID: j.Subscriber.ID,
						Slug: "one", Result: drip.DeliverySent, Reply: Reply{Code: 250, Text: "OK"}, At: t0, NextDue: t0.Add(48 * time.Hour)})
				}
				s := time.Now()
				if claims == 40 && i == 0 {
					explain(pgRecordOutcomes, newOutcomeArrays(outs).args()...)
					explain("INSERT INTO attempts (delivery_id, at, code) VALUES (?, 1, 1)", outs[0].DeliveryID)
					explain("INSERT INTO attempts (delivery_id, at, code) VALUES (?, 1, 1)", outs[0].DeliveryID)
					explain("SELECT 1 FROM deliveries x WHERE id = ? FOR KEY SHARE OF x", outs[0].DeliveryID)
					explain("SELECT count(*) FROM deliveries")
				}
				c0 := backendCPU(t, db)
				if err := db.Record(ctx, outs...); err != nil {
					t.Fatal(err)
				}
				recT += time.Since(s)
				recC += backendCPU(t, db) - c0
				recs++
			}
			if claims == 40 {
				explain(`SELECT id FROM enrollments WHERE status = 'active' AND next_due_at <= ? ORDER BY next_due_at LIMIT 256`, unix(t0))
			}
		}
		t.Logf("claims %d: %v each; records %d: %v each", claims, claimT/time.Duration(claims), recs, recT/time.Duration(recs))
		t.Logf("server CPU: claims %.0f µs each, records %.0f µs each", claimC/float64(claims)*1e6, recC/float64(recs)*1e6)
	})
}

func TestZZPing(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	stores(t, func(t *testing.T) {
		postgresOnly(t, "probe")
		ctx := context.Background()
		db := open(t)
		s := time.Now()
		for range 2000 {
			var one int
			db.w.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		}
		t.Logf("select 1: %v", time.Since(s)/2000)
		db.w.ExecContext(ctx, "CREATE TABLE zz (id bigint)")
		s = time.Now()
		for range 500 {
			db.w.ExecContext(ctx, "SET synchronous_commit = on; INSERT INTO zz VALUES (1)")
		}
		t.Logf("insert commit (sync, maybe): %v", time.Since(s)/500)
	})
}

var backends []int

func backendCPU(t *testing.T, db *DB) float64 {
	if backends == nil {
		rows, _ := db.r.Query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'")
		for rows.Next() {
			var p int
			rows.Scan(&p)
			backends = append(backends, p)
		}
		rows.Close()
	}
	total := 0.0
	for _, p := range backends {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", p))
		f := strings.Fields(string(b))
		u, _ := strconv.ParseFloat(f[0], 64)
		total += u / 1e9
	}
	return total
}

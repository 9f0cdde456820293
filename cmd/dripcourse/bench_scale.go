package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the throwaway schema

	"github.com/dripcourse/dripcourse/internal/delivery"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// openBenchApps opens the instances the benchmark runs: one on SQLite, or
// --instances on a throwaway schema of the --database PostgreSQL. Each has
// its own database pool, SMTP connections and dispatcher, as separate
// processes would; they share only the database.
//
// On PostgreSQL it also returns what measures the server's CPU for the run.
func openBenchApps(ctx context.Context, o benchOptions, cfg *Config) ([]*app, func(), *serverCPU, error) {
	n := o.instances
	var cleanup []func()
	closeAll := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	var cpu *serverCPU
	if db := o.database; db != "" {
		if !store.IsPostgres(db) {
			return nil, nil, nil, errors.New("--database: want a postgres:// URL")
		}
		schemaURL, s, drop, err := throwawaySchema(ctx, db)
		if err != nil {
			return nil, nil, nil, err
		}
		cleanup = append(cleanup, drop)
		cfg.DatabaseURL, cpu = schemaURL, s
	} else if n > 1 {
		return nil, nil, nil, errors.New("--instances: several instances need a shared PostgreSQL (--database)")
	}
	apps := make([]*app, n)
	var err error
	for i := range apps {
		if apps[i], err = openApp(ctx, cfg, newLogger(cfg, io.Discard), time.Now); err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		apps[i].limits = web.Limits{} // every signup comes from this one address
		cleanup = append(cleanup, func() { apps[i].Close() })
	}
	return apps, closeAll, cpu, nil
}

// throwawaySchema creates an empty schema for the run and returns a URL
// whose connections use it (named by it, as their application_name), what
// measures their server processes' CPU, and the function that drops it.
func throwawaySchema(ctx context.Context, base string) (string, *serverCPU, func(), error) {
	name := "dripcourse_bench_" + strings.ToLower(rand.Text()[:10])
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, nil, fmt.Errorf("bench: %w", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		db.Close()
		return "", nil, nil, fmt.Errorf("bench: create schema: %w", err)
	}
	drop := func() {
		db.ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+name+" CASCADE")
		db.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, nil, fmt.Errorf("bench: --database: %w", err)
	}
	q := u.Query()
	q.Set("search_path", name)
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String(), &serverCPU{admin: db, app: name}, drop, nil
}

// sendDueEverywhere runs one dispatch pass on every instance at once and
// adds up what they did.
func sendDueEverywhere(ctx context.Context, apps []*app, observe func(string, drip.DeliveryStatus, time.Duration)) (delivery.Summary, error) {
	sums := make([]delivery.Summary, len(apps))
	errs := make([]error, len(apps))
	var wg sync.WaitGroup
	for i, a := range apps {
		r := a.runner()
		r.Observe = observe
		wg.Go(func() { sums[i], errs[i] = r.SendDue(ctx) })
	}
	wg.Wait()
	var total delivery.Summary
	for _, s := range sums {
		total.Sent += s.Sent
		total.Failed += s.Failed
		total.Retried += s.Retried
	}
	return total, errors.Join(errs...)
}

func benchStore(cfg *Config) string {
	if cfg.DatabaseURL == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

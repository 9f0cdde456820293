// Package pgtest gives tests a fresh, empty PostgreSQL schema on the server
// named by DRIP_TEST_POSTGRES, so the store suite and the multi-instance
// tests run against a real PostgreSQL. Without that variable the tests
// that need it skip, saying how to enable them.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Env is the variable that names the test server.
const Env = "DRIP_TEST_POSTGRES"

// SkipMessage says how to run the PostgreSQL tests.
const SkipMessage = Env + " is unset: set it to a postgres:// URL of a server you can create schemas on " +
	"(`CI=true bash .ci/run` starts one) to run the PostgreSQL tests"

// URL returns the test server's URL, or skips t when there is none.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(SkipMessage)
	}
	return u
}

// Fresh creates an empty schema for t, dropped when t ends, and returns a
// URL whose connections use it.
func Fresh(t testing.TB) string {
	t.Helper()
	base := URL(t)
	db, err := admin(base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := "t_" + rand.Text()[:16]
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema on %s: %v", Env, err)
	}
	t.Cleanup(func() { drop(db, name) })
	return WithSchema(t, base, name)
}

// shared is the pool that creates and drops the schemas of one test
// process. A new connection costs PostgreSQL a process, a tenth of a
// second and more on a busy machine, and every test used to make two.
var shared struct {
	once sync.Once
	db   *sql.DB
	err  error
}

func admin(base string) (*sql.DB, error) {
	shared.once.Do(func() { shared.db, shared.err = sql.Open("pgx", base) })
	return shared.db, shared.err
}

// WithSchema returns base with its connections' search_path set to schema.
// Their commits do not wait for the WAL to reach the disk
// (synchronous_commit=off): what a transaction sees and when it conflicts
// are unchanged, only a crash of the server itself could lose the last
// commits, which no test does, and the suite no longer waits for an fsync
// per commit on a server that has fsync on.
func WithSchema(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// drop removes a schema made by Fresh.
func drop(db *sql.DB, schema string) error {
	_, err := db.ExecContext(context.Background(), fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE", schema))
	return err
}

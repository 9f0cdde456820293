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
	name := "t_" + rand.Text()[:16]
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+name); err != nil {
		t.Fatalf("pgtest: create schema on %s: %v", Env, err)
	}
	t.Cleanup(func() { Drop(base, name) })
	return WithSchema(t, base, name)
}

// WithSchema returns base with its connections' search_path set to schema.
func WithSchema(t testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Drop removes a schema made by Fresh.
func Drop(base, schema string) error {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(context.Background(), fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE", schema))
	return err
}

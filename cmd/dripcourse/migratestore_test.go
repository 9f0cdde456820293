package main

import (
	"context"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/store/pgtest"
)

// sqliteDeployment makes a data directory as serve leaves it: a database
// with one reader, and the signing secret beside it (unless noSecret).
func sqliteDeployment(t *testing.T, noSecret bool) (db string, secret []byte) {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	db = filepath.Join(data, "dripcourse.db")
	s, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	res, err := s.Subscribe(ctx, store.Signup{Email: "ann@example.com", At: at, MaxConfirmations: 3, ConfirmWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Confirm(ctx, res.SubscriberID, "course", at, at); err != nil {
		t.Fatal(err)
	}
	if noSecret {
		return db, nil
	}
	if secret, err = loadSecret(filepath.Join(data, "secret")); err != nil {
		t.Fatal(err)
	}
	return db, secret
}

func TestMigrateStoreCopiesDeploymentAndSecret(t *testing.T) {
	pg := pgtest.Fresh(t)
	db, secret := sqliteDeployment(t, false)
	for run := 1; run <= 2; run++ { // the second run is a catch-up, as before the switch
		out, err := runCmd(t, nil, "migrate-store", "--from", "sqlite:"+db, "--to", pg, "--batch", "2")
		if err != nil {
			t.Fatalf("run %d: %v\n%s", run, err, out)
		}
		for _, want := range []string{`subscribers:\s+1 rows copied in`, `\nsubscribers\s+1\s+1\s+ok\n`, `\nsettings\s+1\s+1\s+ok\n`, `\ndone in`} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("run %d: output lacks %q:\n%s", run, want, out)
			}
		}
		if strings.Contains(out, "DIFFERS") {
			t.Errorf("run %d: counts differ:\n%s", run, out)
		}
	}
	dst, err := store.Open(context.Background(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if v, _, _ := dst.Setting(context.Background(), store.KeySigningSecret); v != hex.EncodeToString(secret) {
		t.Fatalf("PostgreSQL's signing secret is %q, want the secret file's", v)
	}
	if s, err := dst.SubscriberByEmail(context.Background(), "ann@example.com"); err != nil || s.ID != 1 {
		t.Fatalf("the reader in PostgreSQL: %+v, %v; want id 1 as in SQLite", s, err)
	}
}

func TestMigrateStoreRefuses(t *testing.T) {
	db, _ := sqliteDeployment(t, false)
	bare, _ := sqliteDeployment(t, true)
	const pass = "hunter2" // never printed
	pg := "postgres://drip:" + pass + "@127.0.0.1:1/drip"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "usage: dripcourse migrate-store --from sqlite:PATH --to postgres://"},
		{"no --to", []string{"--from", "sqlite:" + db}, "usage:"},
		{"a bare path", []string{"--from", db, "--to", pg}, "--from must name the SQLite database file as sqlite:PATH"},
		{"PostgreSQL as the source", []string{"--from", pg, "--to", pg}, "--from must name the SQLite database file"},
		{"a missing file", []string{"--from", "sqlite:" + db + ".gone", "--to", pg}, "no database file at " + db + ".gone"},
		{"a directory", []string{"--from", "sqlite:" + filepath.Dir(db), "--to", pg}, "no database file at"},
		{"not PostgreSQL", []string{"--from", "sqlite:" + db, "--to", "mysql://u:" + pass + "@h/db"}, "--to must be a postgres:// URL"},
		{"a bad batch", []string{"--from", "sqlite:" + db, "--to", pg, "--batch", "0"}, "--batch"},
		{"no secret", []string{"--from", "sqlite:" + bare, "--to", pg}, "no signing secret at " + filepath.Join(filepath.Dir(bare), "secret")},
		{"unreachable", []string{"--from", "sqlite:" + db, "--to", pg}, "127.0.0.1"},
	} {
		out, err := runCmd(t, nil, append([]string{"migrate-store"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q\n%s", tc.name, err, tc.want, out)
		}
		if err != nil && strings.Contains(out+err.Error(), pass) {
			t.Errorf("%s: the password is shown: %v\n%s", tc.name, err, out)
		}
	}
}

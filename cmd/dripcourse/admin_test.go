package main

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/store"
)

// openWithLog opens the app on data with the given admin password setting,
// logging into the returned buffer.
func openWithLog(t *testing.T, data, password string) (*app, *bytes.Buffer) {
	t.Helper()
	env := map[string]string{"DRIP_DATA": data, "DRIP_ADMIN_PASSWORD": password}
	cfg, err := parseConfig(flag.NewFlagSet("test", flag.ContinueOnError), nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(&log, nil)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return a, &log
}

func TestAdminPasswordGeneratedOnce(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a, log := openWithLog(t, data, "")
	if err := a.setupAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	a.Close()
	lines := regexp.MustCompile(`(?m)^.*admin_password=(\S+).*$`).FindAllStringSubmatch(log.String(), -1)
	if len(lines) != 1 {
		t.Fatalf("want one log line with the generated password, got:\n%s", log)
	}
	pw := lines[0][1]

	b, log2 := openWithLog(t, data, "")
	defer b.Close()
	if err := b.setupAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log2.String(), "admin_password") || strings.Contains(log2.String(), pw) {
		t.Fatalf("the second start logged a password:\n%s", log2)
	}
	stored, ok, err := b.db.Setting(ctx, store.KeyAdminPasswordHash)
	if err != nil || !ok || !admin.CheckPassword(stored, pw) || strings.Contains(stored, pw) {
		t.Fatalf("stored hash %q does not check the logged password (or holds it in clear)", stored)
	}
}

func TestAdminPasswordFromEnvironment(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	a, log := openWithLog(t, data, "first secret")
	if err := a.setupAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(log.String(), "first secret") || strings.Contains(log.String(), "admin_password") {
		t.Fatalf("a configured password was logged:\n%s", log)
	}
	a.db.CreateAdminSession(ctx, "session", time.Now().Add(time.Hour), time.Now())
	a.Close()

	same, _ := openWithLog(t, data, "first secret")
	same.setupAdmin(ctx)
	if ok, _ := same.db.AdminSession(ctx, "session", time.Now()); !ok {
		t.Fatal("restarting with the same password ended the sessions")
	}
	same.Close()

	next, _ := openWithLog(t, data, "second secret")
	defer next.Close()
	next.setupAdmin(ctx)
	stored, _, _ := next.db.Setting(ctx, store.KeyAdminPasswordHash)
	if !admin.CheckPassword(stored, "second secret") || admin.CheckPassword(stored, "first secret") {
		t.Fatal("DRIP_ADMIN_PASSWORD did not replace the stored password")
	}
	if ok, _ := next.db.AdminSession(ctx, "session", time.Now()); ok {
		t.Fatal("a new password left the old sessions valid")
	}
}

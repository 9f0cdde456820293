package store

import (
	"context"
	"testing"
	"time"
)

func TestAdminSessions(t *testing.T) {
	stores(t, testAdminSessions)
}

func testAdminSessions(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	if ok, err := db.InitAdminPassword(ctx, "h1"); !ok || err != nil {
		t.Fatalf("first init: %v %v", ok, err)
	}
	if ok, _ := db.InitAdminPassword(ctx, "h2"); ok {
		t.Fatal("second init replaced the stored hash")
	}
	db.CreateAdminSession(ctx, "s1", t0.Add(time.Hour), t0)
	if ok, _ := db.AdminSession(ctx, "s1", t0); !ok {
		t.Fatal("new session not found")
	}
	if ok, _ := db.AdminSession(ctx, "s1", t0.Add(time.Hour)); ok {
		t.Fatal("expired session still valid")
	}
	db.SetAdminPassword(ctx, "h1") // unchanged: sessions stay
	if ok, _ := db.AdminSession(ctx, "s1", t0); !ok {
		t.Fatal("setting the same password ended the session")
	}
	db.SetAdminPassword(ctx, "h3")
	if ok, _ := db.AdminSession(ctx, "s1", t0); ok {
		t.Fatal("a new password left the old session valid")
	}
	if v, _, _ := db.Setting(ctx, KeyAdminPasswordHash); v != "h3" {
		t.Fatalf("stored hash %q", v)
	}
}

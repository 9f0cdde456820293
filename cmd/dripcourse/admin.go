package main

import (
	"context"
	"path/filepath"

	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/web"
)

// setupAdmin makes sure /admin has a password. DRIP_ADMIN_PASSWORD, when
// set, is the password (its hash replaces any stored one). Without it the
// stored hash stays in force; on the very first start a random password
// is made, its hash stored, and the password itself printed once in the
// log, the only place it ever appears.
func (a *app) setupAdmin(ctx context.Context) error {
	stored, ok, err := a.db.Setting(ctx, store.KeyAdminPasswordHash)
	if err != nil {
		return err
	}
	if pw := a.cfg.AdminPassword; pw != "" {
		if ok && web.CheckPassword(stored, pw) {
			return nil // unchanged: keep the hash, and the sessions with it
		}
		return a.db.SetAdminPassword(ctx, web.HashPassword(pw))
	}
	if ok {
		return nil
	}
	pw := web.NewPassword()
	created, err := a.db.InitAdminPassword(ctx, web.HashPassword(pw))
	if err != nil || !created {
		return err // another process stored one first: it printed its own
	}
	a.log.Warn("generated the password for "+a.cfg.BaseURL+"/admin; it is shown only this once (set DRIP_ADMIN_PASSWORD to choose your own)",
		"admin_password", pw)
	return nil
}

// outboxDir is where the outbox sender writes, or "" when mail goes to an
// SMTP server.
func (a *app) outboxDir() string {
	if a.cfg.SMTP != nil {
		return ""
	}
	return filepath.Join(a.cfg.Data, "outbox")
}

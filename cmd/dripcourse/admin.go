package main

import (
	"context"

	"github.com/dripcourse/dripcourse/internal/admin"
	"github.com/dripcourse/dripcourse/internal/store"
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
		if ok && admin.CheckPassword(stored, pw) {
			return nil // unchanged: keep the hash, and the sessions with it
		}
		return a.db.SetAdminPassword(ctx, admin.HashPassword(pw))
	}
	if ok {
		return nil
	}
	pw := admin.NewPassword()
	created, err := a.db.InitAdminPassword(ctx, admin.HashPassword(pw))
	if err != nil || !created {
		return err // another process stored one first: it printed its own
	}
	a.log.Warn("generated the password for "+a.cfg.BaseURL+"/admin; it is shown only this once (set DRIP_ADMIN_PASSWORD to choose your own)",
		"admin_password", pw)
	return nil
}

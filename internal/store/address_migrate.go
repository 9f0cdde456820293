package store

import (
	"context"
	"database/sql"
	"fmt"
)

// afterMigration runs the Go part of a migration, in the transaction that
// applied its SQL, so both are recorded by one schema version.
func afterMigration(ctx context.Context, tx *sql.Tx, name string) error {
	if name == "0005_addresses.sql" {
		return rekeyAddresses(ctx, tx)
	}
	return nil
}

// keyedRow is one reader's address as stored, and as EmailKey keeps it.
type keyedRow struct {
	id                int64
	email, key, box   string // as stored
	nEmail, nKey, nBx string // as they become
}

// rekeyAddresses brings every reader's address, key and mailbox key to
// EmailKey's rule. Under the old rule (a Unicode lower-casing) a key could
// fold a look-alike letter into ASCII; under the new one two old keys can
// name one domain (its Unicode and its punycode spelling). Such readers
// are one inbox but two records, each with its own history: none is
// merged or lost. The oldest keeps the key; each other keeps everything
// under the key with " (duplicate of reader N)" added, which no address
// can spell, and which the admin search finds by "duplicate".
func rekeyAddresses(ctx context.Context, tx *sql.Tx) error {
	rows, err := readKeyedRows(ctx, tx)
	if err != nil {
		return fmt.Errorf("rekey addresses: %w", err)
	}
	owner := map[string]int64{}
	var changed []keyedRow
	for _, r := range rows {
		r.nEmail = canonicalOr(r.email)
		r.nKey, r.nBx = EmailKey(r.nEmail), MailboxKey(r.nEmail)
		if first, taken := owner[r.nKey]; taken {
			r.nKey = fmt.Sprintf("%s (duplicate of reader %d)", r.nKey, first)
		} else {
			owner[r.nKey] = r.id
		}
		if r.nEmail != r.email || r.nKey != r.key || r.nBx != r.box {
			changed = append(changed, r)
		}
	}
	// Park the changed keys first: a new key may be another row's old one.
	for _, r := range changed {
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET email_key = ? WHERE id = ?", fmt.Sprintf("rekey %d", r.id), r.id); err != nil {
			return fmt.Errorf("rekey addresses: %w", err)
		}
	}
	for _, r := range changed {
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET email = ?, email_key = ?, mailbox_key = ? WHERE id = ?",
			r.nEmail, r.nKey, r.nBx, r.id); err != nil {
			return fmt.Errorf("rekey addresses: %w", err)
		}
	}
	return nil
}

// readKeyedRows reads every reader's address, oldest first: the oldest of
// readers who share a new key keeps it.
func readKeyedRows(ctx context.Context, tx *sql.Tx) ([]keyedRow, error) {
	rs, err := tx.QueryContext(ctx, "SELECT id, email, email_key, mailbox_key FROM subscribers ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []keyedRow
	for rs.Next() {
		var r keyedRow
		if err := rs.Scan(&r.id, &r.email, &r.key, &r.box); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

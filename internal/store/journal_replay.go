package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/dripcourse/dripcourse/internal/drip"
)

// journalPrefix begins the name of every journal file, beside the
// database: <db>-outcomes-<id>.lock, and <db>-outcomes-<id>.<n>.log.
func (db *DB) journalPrefix() string { return journalPrefix(db.path) }

func journalPrefix(file string) string { return file + "-outcomes-" }

// journalKeys begins the settings key of each journal's progress row.
const journalKeys = "journal:"

func journalKey(id string) string { return journalKeys + id }

// createLock makes the lock file path, already locked: it is locked under
// another name and then renamed, so that no replay can find it unlocked.
func createLock(path string) (*os.File, error) {
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, err
	}
	return f, nil
}

// probeLock locks the existing lock file path, if no live journal holds
// it (ok false). It opens the file read-only: a command run as another
// user can still tell.
func probeLock(path string) (f *os.File, ok bool, err error) {
	f, err = os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil // dropped meanwhile
	}
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}

// journalFiles lists the files beside the database whose names start with
// prefix and end with suffix, in name order. (Not a glob: the database's
// path may hold glob syntax.)
func journalFiles(prefix, suffix string) ([]string, error) {
	dir, base := filepath.Split(prefix)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return nil, fmt.Errorf("store: journal: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, base) && strings.HasSuffix(n, suffix) && !e.IsDir() {
			paths = append(paths, dir+n)
		}
	}
	return paths, nil
}

// applyEntries records es in one transaction with the journal's progress.
// If that fails for a reason other than the database being unavailable,
// one entry is at fault (its reader was erased, say): each is then tried
// alone, and one that still fails is logged and passed over, as a failed
// commit always was; its lesson comes back when the lease runs out. upto
// is the last sequence number now in the database.
func (db *DB) applyEntries(ctx context.Context, id string, es []entry) (upto int64, err error) {
	if err = db.applyTx(ctx, id, es, es[len(es)-1].Seq); err == nil {
		return es[len(es)-1].Seq, nil
	}
	if errors.Is(err, drip.ErrUnavailable) || len(es) == 1 && errors.Is(err, errProgress) {
		return 0, err
	}
	for _, e := range es {
		if err := db.applyTx(ctx, id, []entry{e}, e.Seq); err != nil {
			if errors.Is(err, drip.ErrUnavailable) || errors.Is(err, errProgress) {
				return upto, err
			}
			db.log.Error("record delivery", "delivery", e.O.DeliveryID, "err", err)
			if err := db.applyTx(ctx, id, nil, e.Seq); err != nil {
				return upto, err
			}
		}
		upto = e.Seq
	}
	return upto, nil
}

// errProgress marks a failure to store the journal's progress, which no
// outcome can be blamed for.
var errProgress = errors.New("journal progress")

func (db *DB) applyTx(ctx context.Context, id string, es []entry, upto int64) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		w := db.outcomeWriter(ctx, tx)
		for _, e := range es {
			if err := w.record(ctx, e.O); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, journalKey(id), strconv.FormatInt(upto, 10))
		if err != nil {
			return fmt.Errorf("%w: %w", errProgress, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: record outcome: %w", err)
	}
	return nil
}

// dropOrphanProgress deletes the progress rows of journals that are gone.
// Only a database restored from a backup taken during a pass has them:
// a journal's row goes before its lock file does.
func (db *DB) dropOrphanProgress(ctx context.Context) error {
	var orphans []string
	err := db.eachRow(ctx, "SELECT key FROM settings WHERE key LIKE ?", func(scan func(...any) error) error {
		var key string
		if err := scan(&key); err != nil {
			return err
		}
		if _, err := os.Stat(db.journalPrefix() + strings.TrimPrefix(key, journalKeys) + ".lock"); errors.Is(err, os.ErrNotExist) {
			orphans = append(orphans, key)
		}
		return nil
	}, journalKeys+"%")
	for _, key := range orphans {
		if err == nil {
			_, err = db.w.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", key)
		}
	}
	if err != nil {
		return fmt.Errorf("store: journal: %w", friendly(err))
	}
	return nil
}

// dropJournal removes a journal whose outcomes are all in the database:
// its files first, then its progress row, so that a crash in between
// leaves nothing that could be applied twice.
func (db *DB) dropJournal(ctx context.Context, id string, segs []segment) error {
	for _, s := range segs {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("store: journal: %w", err)
		}
	}
	if _, err := db.w.ExecContext(ctx, "DELETE FROM settings WHERE key = ?", journalKey(id)); err != nil {
		return fmt.Errorf("store: journal: %w", friendly(err))
	}
	if err := os.Remove(db.journalPrefix() + id + ".lock"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: journal: %w", err)
	}
	return nil
}

// replayJournals applies every journal that no live process holds: those
// left by a crash, by a pass that could not finish applying its own, or by
// another process on this database. Open and every claim run it, so such
// outcomes reach the database long before their lessons' leases run out
// and another claim could take those lessons again. A database that keeps
// no journals has none to replay.
func (db *DB) replayJournals(ctx context.Context) error {
	if !db.journals {
		return nil
	}
	return eachDeadJournal(db.journalPrefix(), func(id string) error { return db.replayJournal(ctx, id) })
}

// eachDeadJournal calls fn with the id of every journal under prefix that
// no live process holds, oldest first (ids begin with their start time),
// holding its lock meanwhile.
func eachDeadJournal(prefix string, fn func(id string) error) error {
	locks, err := journalFiles(prefix, ".lock")
	if err != nil {
		return err
	}
	for _, l := range locks {
		f, ok, err := probeLock(l)
		if err != nil {
			return fmt.Errorf("store: journal: %w", err)
		}
		if !ok {
			continue // a live pass's
		}
		err = fn(strings.TrimSuffix(strings.TrimPrefix(l, prefix), ".lock"))
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) replayJournal(ctx context.Context, id string) error {
	done, _, err := db.Setting(ctx, journalKey(id))
	if err != nil {
		return err
	}
	after, _ := strconv.ParseInt(done, 10, 64)
	segs, err := journalSegments(db.journalPrefix() + id)
	if err != nil {
		return err
	}
	replayed := 0
	var damaged []damage
	for _, s := range segs {
		es, bad, err := readSegment(s.path, after)
		if err != nil {
			return err
		}
		damaged = append(damaged, bad...)
		for len(es) > 0 {
			batch := es[:min(len(es), journalBatch)]
			if _, err := db.applyEntries(ctx, id, batch); err != nil {
				return fmt.Errorf("store: replay %s: %w", s.path, err)
			}
			es, replayed = es[len(batch):], replayed+len(batch)
		}
	}
	if replayed > 0 {
		db.log.Info("outcome journal replayed: the last pass stopped before its outcomes were all in the database", "outcomes", replayed)
	}
	if err := db.settleDamaged(ctx, damaged); err != nil {
		return err
	}
	return db.dropJournal(ctx, id, segs)
}

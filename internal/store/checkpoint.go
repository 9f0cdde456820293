package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// SQLite normally checkpoints inside whichever commit takes the WAL past
// 1,000 pages, and a checkpoint fsyncs both the WAL and the database: in a
// dispatch pass that was a fifth of the time, spent with the single writer
// blocked and every sender waiting on it. So the writer never checkpoints
// (wal_autocheckpoint(0) in dsn), and a goroutine does it from its own
// connection, which WAL mode lets run beside the writer.

// checkpointEvery is how often the WAL is copied back into the database.
const checkpointEvery = time.Second

// walRestartPages is the WAL size (in 4 KiB pages: 64 MiB) past which a
// checkpoint also restarts the WAL. A writer starts the WAL afresh by
// itself once everything in it is checkpointed, but passive checkpoints
// never get there while the writer keeps writing. A restart holds the
// writer back while it copies, so it is tried only past this size.
const walRestartPages = 16384

// On a disk with less free space than that, the WAL would fill the disk
// before it came to be restarted, and then neither the WAL nor the
// database could grow any more. So the WAL's budget is also at most a
// walFreeShare-th of the free space (never below walMinPages), and once
// it is that low a restart truncates the file too, giving its space back
// to the database.
const (
	walFreeShare = 4
	walMinPages  = 256 // 1 MiB
)

// restartWait is the longest a restart waits for the writer to finish
// its transaction and for readers to leave old snapshots. Passive
// checkpoints never wait; a WAL past its budget is worth a writer held
// back this long, but not the minutes a slow export may keep its
// snapshot, which writers would then queue behind.
const restartWait = 100 * time.Millisecond

func (db *DB) startCheckpoints(file string) error {
	ck, err := sql.Open("sqlite", dsnWait(file, false, 0))
	if err != nil {
		return fmt.Errorf("store: open %s: %w", file, err)
	}
	ck.SetMaxOpenConns(1)
	db.ck = ck
	db.ckStop, db.ckDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(db.ckDone)
		t := time.NewTicker(checkpointEvery)
		defer t.Stop()
		var logged time.Time
		for {
			select {
			case <-db.ckStop:
				return
			case <-t.C:
				// The next tick tries again; a disk that stays full is
				// reported once a minute, not every second.
				if err := db.checkpointNow(context.Background()); err != nil && time.Since(logged) > time.Minute {
					db.log.Warn("checkpoint failed; retrying every second (logged once a minute)", "err", err)
					logged = time.Now()
				}
			}
		}
	}()
	return nil
}

// checkpointNow checkpoints the WAL, and restarts it once it is past its
// budget (walBudget). The ticker calls it every second, and an import
// after each batch: the ticker's checkpoints never catch up with a writer
// that commits without pause, since each finds new pages appended
// meanwhile, and the WAL then only grows. Between two batches this
// process's writer is idle, so the checkpoint copies all of it, and the
// next commit starts the WAL afresh.
func (db *DB) checkpointNow(ctx context.Context) error {
	if db.ck == nil {
		return nil // PostgreSQL
	}
	budget, low := walBudget(filepath.Dir(db.path))
	if low && walFileSize(db.path) > int64(budget)*4096 {
		// A WAL that was restarted keeps its file's size, and on a full
		// disk that room is what the database needs.
		budget = 0
	}
	return db.checkpoint(ctx, budget, low)
}

// walFileSize is the size of the database's WAL file, or 0.
func walFileSize(file string) int64 {
	st, err := os.Stat(file + "-wal")
	if err != nil {
		return 0
	}
	return st.Size()
}

// walBudget is the WAL size in pages past which it is restarted: 64 MiB,
// or less on a disk with little free space (low is then true).
func walBudget(dir string) (pages int, low bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return walRestartPages, false
	}
	free := st.Bavail * uint64(st.Bsize)
	share := int(min(free/walFreeShare/4096, walRestartPages))
	if share >= walRestartPages {
		return walRestartPages, false
	}
	return max(share, walMinPages), true
}

// checkpoint copies what the WAL holds into the database, and restarts
// the WAL once it has grown past restartAt pages; truncate also cuts the
// file to nothing.
func (db *DB) checkpoint(ctx context.Context, restartAt int, truncate bool) error {
	if pages, err := db.walCheckpoint(ctx, db.ck, "PASSIVE"); err != nil || pages < restartAt {
		return err
	}
	mode := "RESTART"
	if truncate {
		mode = "TRUNCATE"
	}
	conn, err := db.ck.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: checkpoint: %w", friendly(err))
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", restartWait.Milliseconds())); err != nil {
		return fmt.Errorf("store: checkpoint: %w", friendly(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = 0")
	_, err = db.walCheckpoint(ctx, conn, mode)
	return err
}

// walCheckpoint runs one checkpoint in mode and returns how many pages
// the WAL held. A checkpoint that could not finish (a reader or the
// writer in the way) is no error: the next one goes on from there.
func (db *DB) walCheckpoint(ctx context.Context, q queryer, mode string) (pages int, err error) {
	var busy, done int
	if err := q.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &pages, &done); err != nil {
		return 0, fmt.Errorf("store: checkpoint: %w", friendly(err))
	}
	return pages, nil
}

func (db *DB) stopCheckpoints() {
	if db.ck != nil {
		close(db.ckStop)
		<-db.ckDone
		db.ck.Close()
	}
}

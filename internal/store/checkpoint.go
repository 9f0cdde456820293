package store

import (
	"context"
	"database/sql"
	"fmt"
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
// checkpoint also tries to restart the WAL. A writer starts the WAL afresh
// by itself once everything in it is checkpointed, but passive checkpoints
// never get there while the writer keeps writing. A restart holds the
// writer back while it copies, so it is tried only past this size, and
// only when no reader is in the way: the checkpointer never waits for a
// lock (busy timeout 0), or writers would queue behind it for as long as
// a slow export keeps its snapshot.
const walRestartPages = 16384

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
				if err := db.checkpoint(context.Background(), walRestartPages); err != nil && time.Since(logged) > time.Minute {
					db.log.Warn("checkpoint failed; retrying every second (logged once a minute)", "err", err)
					logged = time.Now()
				}
			}
		}
	}()
	return nil
}

// checkpoint copies what the WAL holds into the database, and restarts
// the WAL once it has grown past restartAt pages.
func (db *DB) checkpoint(ctx context.Context, restartAt int) error {
	mode := "PASSIVE"
	for {
		var busy, pages, done int
		if err := db.ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &pages, &done); err != nil {
			return fmt.Errorf("store: checkpoint: %w", friendly(err))
		}
		if mode == "RESTART" || pages < restartAt {
			return nil
		}
		mode = "RESTART"
	}
}

func (db *DB) stopCheckpoints() {
	if db.ck != nil {
		close(db.ckStop)
		<-db.ckDone
		db.ck.Close()
	}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// A send's outcome has to be durable before its connection may carry the
// next message: that is what bounds the repeats after a crash. On SQLite,
// committing one outcome writes about eight pages, two write calls each,
// and every sender waits behind the single writer for it. An append to a
// file of our own is one write call, and it survives a crash of the
// process exactly as such a commit does: with synchronous=NORMAL neither
// is fsynced, both are in the kernel once the call returns.
//
// So during a dispatch pass outcomes go to a Journal, and a goroutine
// copies them into the database in large transactions. Each of those
// transactions also stores how far it got (a settings row), so a journal
// left by a crash is replayed at the next Open with every outcome applied
// exactly once; a line damaged since it was written is set aside, and
// its lesson is not sent again (journal_damage.go). PostgreSQL gets no
// journal: instances share its database, and a journal on a dead
// instance's disk would hide that instance's sends from the others.

// journalSegment is the size past which appends go to a new file, so
// that files already applied can be removed while a long pass goes on.
// (A variable so that tests can make files small.)
var journalSegment int64 = 4 << 20

const (
	// journalBatch is the most outcomes one applying transaction takes, and
	// how many make the applier start at once.
	journalBatch = 1024
	// journalEvery is how long outcomes may wait for a batch to fill. Most
	// of a commit's cost is the same whatever it holds, so a commit of one
	// outcome each time would cost nearly what the journal saves.
	journalEvery = 100 * time.Millisecond
	// journalBacklog is how many outcomes may wait before claims wait too.
	journalBacklog = 4 * journalBatch
	// journalLeaseMargin is how long before its lease ends an outcome is
	// applied at the latest, at the next claim: other processes on the
	// database may take the lesson again once the lease is over.
	journalLeaseMargin = time.Minute
	// journalRetry is the wait after the database refused a batch.
	journalRetry = time.Second
)

// Journal is the write-ahead file for one dispatch pass's outcomes.
type Journal struct {
	db *DB
	id string

	mu      sync.Mutex
	cond    *sync.Cond
	lock    *os.File  // held (flock) while the journal lives: replays skip it
	f       *os.File  // the segment being written
	segs    []segment // oldest first; the last one is f's
	made    int       // segment files made, which numbers the next
	size    int64     // of f
	torn    bool      // a failed write may have left half a line in f
	buf     []byte
	pending []entry // appended, not yet in the database, in order
	seq     int64   // the last sequence number appended
	applied int64   // the last sequence number in the database
	err     error   // why the last apply failed, until one succeeds
	fails   int     // applies that failed so far
	closing bool
	kick    chan struct{} // starts the applier before journalEvery is up
	done    chan struct{} // closed when the applier has stopped
}

type segment struct {
	path string
	last int64 // the last sequence number in it
}

// entry is one line of a journal file.
type entry struct {
	Seq int64   `json:"s"`
	O   Outcome `json:"o"`
}

// NewJournal returns a journal for one pass, or nil when the database
// keeps no journals (PostgreSQL). It creates no file until the first
// Append.
func (db *DB) NewJournal() *Journal {
	if !db.journals {
		return nil
	}
	// The id begins with the start time, so that ids sort oldest first.
	j := &Journal{db: db, id: fmt.Sprintf("%020d-%d", time.Now().UnixNano(), os.Getpid()),
		kick: make(chan struct{}, 1), done: make(chan struct{})}
	j.cond = sync.NewCond(&j.mu)
	return j
}

// Append makes outs durable (as durable as a commit) and queues them for
// the database. They are written in one call.
func (j *Journal) Append(outs []Outcome) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closing {
		return errors.New("store: journal: append after close")
	}
	if j.lock == nil {
		if err := j.start(); err != nil {
			return err
		}
	}
	if j.torn {
		if err := j.rotate(); err != nil {
			return err
		}
		j.torn = false
	}
	if j.db.diskFull.Load() {
		return fmt.Errorf("store: journal %s: %w", j.f.Name(), errUnavailable(syscall.ENOSPC))
	}
	j.buf = j.buf[:0]
	for i, o := range outs {
		var err error
		if j.buf, err = appendEntry(j.buf, entry{Seq: j.seq + int64(i) + 1, O: o}); err != nil {
			return fmt.Errorf("store: journal: %w", err)
		}
	}
	if _, err := j.f.Write(j.buf); err != nil {
		// A short write leaves half a line. Cut it off, or else go on in a
		// fresh file, so that it can only ever end a file (readSegment).
		j.torn = j.f.Truncate(j.size) != nil
		return fmt.Errorf("store: journal %s: %w", j.f.Name(), errUnavailable(err))
	}
	for _, o := range outs {
		j.seq++
		j.pending = append(j.pending, entry{Seq: j.seq, O: o})
	}
	j.size += int64(len(j.buf))
	j.segs[len(j.segs)-1].last = j.seq
	if len(j.pending) >= journalBatch {
		j.hurry()
	}
	if j.size >= journalSegment {
		// These outcomes are written whatever happens here. If no new
		// file can be made, this one grows on and the next append tries
		// again.
		j.rotate()
	}
	return nil
}

// start takes the journal's lock file, opens its first segment and starts
// the applier.
func (j *Journal) start() error {
	path := j.db.journalPrefix() + j.id + ".lock"
	lock, err := createLock(path)
	if err != nil {
		return fmt.Errorf("store: journal: %w", errUnavailable(err))
	}
	if err := j.rotate(); err != nil {
		lock.Close()
		os.Remove(path)
		return err
	}
	j.lock = lock
	go j.applyLoop()
	return nil
}

// rotate moves appends to a new segment file.
func (j *Journal) rotate() error {
	path := j.db.journalPrefix() + j.id + "." + strconv.Itoa(j.made+1) + ".log"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("store: journal: %w", errUnavailable(err))
	}
	if j.f != nil {
		j.f.Close()
	}
	j.f, j.size = f, 0
	j.made++
	j.segs = append(j.segs, segment{path: path, last: j.seq})
	return nil
}

// hurry starts the applier now rather than when journalEvery is up.
func (j *Journal) hurry() {
	select {
	case j.kick <- struct{}{}:
	default: // already kicked
	}
}

// Settle is called before each claim made as of now. It returns at once
// while the journal keeps up with the database: the last apply succeeded,
// fewer than journalBacklog outcomes wait, and none of them is for a claim
// whose lease ends within journalLeaseMargin of now. Otherwise it waits as
// Flush does. So a claim never takes a lesson again while the outcome of
// its last send waits in the journal, and when applying fails or falls
// behind, claiming stops. (Flushing before every claim instead doubled the
// commits, and each commit's cost barely depends on what it holds.)
func (j *Journal) Settle(ctx context.Context, now time.Time) error {
	j.mu.Lock()
	keepingUp := j.err == nil && len(j.pending) < journalBacklog
	for i := 0; keepingUp && i < len(j.pending); i++ {
		if l := j.pending[i].O.LeaseUntil; !l.IsZero() && l.Sub(now) < journalLeaseMargin {
			keepingUp = false
		}
	}
	j.mu.Unlock()
	if keepingUp {
		return nil
	}
	return j.Flush(ctx)
}

// Flush waits until everything appended so far is in the database.
func (j *Journal) Flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		j.mu.Lock()
		j.cond.Broadcast()
		j.mu.Unlock()
	})
	defer stop()
	j.hurry()
	j.mu.Lock()
	defer j.mu.Unlock()
	// A failure from before this call may be over: only a failure of an
	// apply it waited for counts.
	for target, fails := j.seq, j.fails; j.applied < target; j.cond.Wait() {
		if j.fails > fails {
			return j.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// applyLoop moves outcomes from the journal into the database: every
// journalEvery, or sooner when hurried, until Close.
func (j *Journal) applyLoop() {
	defer close(j.done)
	tick := time.NewTicker(journalEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-j.kick:
		}
		if stop := j.applyPending(); stop {
			return
		}
	}
}

// applyPending applies everything pending, in batches. It reports whether
// the applier should stop: at Close, once everything is applied or the
// database has refused.
func (j *Journal) applyPending() (stop bool) {
	for {
		j.mu.Lock()
		batch := j.pending[:min(len(j.pending), journalBatch)]
		closing := j.closing
		j.mu.Unlock()
		if len(batch) == 0 {
			return closing
		}
		upto, err := j.db.applyEntries(context.Background(), j.id, batch)
		j.mu.Lock()
		for len(j.pending) > 0 && j.pending[0].Seq <= upto {
			j.pending = j.pending[1:]
		}
		j.applied = max(j.applied, upto)
		j.err = err
		if err != nil {
			j.fails++
		}
		j.removeApplied()
		closing = j.closing
		j.cond.Broadcast()
		j.mu.Unlock()
		if err != nil {
			if closing {
				return true
			}
			j.db.log.Warn("outcome journal: the database refused outcomes; they stay in the journal and are tried again in a second", "err", err)
			select {
			case <-time.After(journalRetry):
			case <-j.kick:
			}
		}
	}
}

// removeApplied deletes the finished segments whose outcomes are all in
// the database.
func (j *Journal) removeApplied() {
	for len(j.segs) > 1 && j.segs[0].last <= j.applied {
		if err := os.Remove(j.segs[0].path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return // Close tries again, and reports it
		}
		j.segs = j.segs[1:]
	}
}

// Close applies what is left and removes the journal's files. If the
// database cannot take the outcomes now, the files stay, and the next
// claim or Open replays them.
func (j *Journal) Close() error {
	j.mu.Lock()
	j.closing = true
	started := j.lock != nil
	j.mu.Unlock()
	if !started {
		return nil
	}
	j.hurry()
	<-j.done
	j.mu.Lock()
	defer j.mu.Unlock()
	j.f.Close()
	defer j.lock.Close()
	if n := len(j.pending); n > 0 {
		return fmt.Errorf("store: journal: %d outcomes kept in %s*.log for a replay: %w", n, j.db.journalPrefix()+j.id, j.err)
	}
	return j.db.dropJournal(context.Background(), j.id, j.segs)
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// RateCounter counts requests per key in fixed windows in the database,
// so that instances sharing it share their per-client limits. Its methods
// are those of httprate's LimitCounter, which the web package plugs it
// into; the store itself knows nothing of HTTP.
//
// A check and its increment are two statements, so instances checking
// the same key at the same moment may each let one request through over
// the limit: the counts stay exact, only the decision is approximate.
type RateCounter struct {
	db *DB
	// Timeout bounds each query: the interface passes no context, and a
	// request waits for its count.
	Timeout time.Duration
}

// RateCounter returns a counter on db's rate_hits table.
func (db *DB) RateCounter() *RateCounter {
	return &RateCounter{db: db, Timeout: time.Second}
}

// Config is part of the interface. Every call names its windows, so the
// counter needs no configuration, and one counter can serve limiters with
// different limits and windows.
func (c *RateCounter) Config(requestLimit int, windowLength time.Duration) {}

// Increment counts one request for key in the window starting at window.
func (c *RateCounter) Increment(key string, window time.Time) error {
	return c.IncrementBy(key, window, 1)
}

// IncrementBy counts n requests for key in the window starting at window.
func (c *RateCounter) IncrementBy(key string, window time.Time, n int) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	_, err := c.db.w.ExecContext(ctx, `INSERT INTO rate_hits (key, window_start, hits) VALUES (?, ?, ?)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_hits.hits + excluded.hits`,
		rateKey(key), window.UnixMilli(), n)
	if err != nil {
		return fmt.Errorf("store: count request: %w", friendly(err))
	}
	return nil
}

// Get returns key's counts in the current and the previous window.
func (c *RateCounter) Get(key string, current, previous time.Time) (cur, prev int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	rows, err := c.db.r.QueryContext(ctx, "SELECT window_start, hits FROM rate_hits WHERE key = ? AND window_start IN (?, ?)",
		rateKey(key), current.UnixMilli(), previous.UnixMilli())
	if err != nil {
		return 0, 0, fmt.Errorf("store: read request count: %w", friendly(err))
	}
	defer rows.Close()
	for rows.Next() {
		var start int64
		var hits int
		if err := rows.Scan(&start, &hits); err != nil {
			return 0, 0, fmt.Errorf("store: read request count: %w", err)
		}
		if start == current.UnixMilli() {
			cur = hits
		} else {
			prev = hits
		}
	}
	if err := rows.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: read request count: %w", friendly(err))
	}
	return cur, prev, nil
}

const (
	maxRateKey    = 100
	hashedKeyMark = "sha256:"
)

// rateKey is how key is stored. Keys come from requests (a client address,
// perhaps from a proxy's header), so they may be long or not text at all,
// which PostgreSQL refuses. Short printable keys are kept as they are, for
// an operator reading the table; others are stored as a hash.
func rateKey(key string) string {
	printable := utf8.ValidString(key) && !strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f })
	if printable && len(key) <= maxRateKey && !strings.HasPrefix(key, hashedKeyMark) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hashedKeyMark + hex.EncodeToString(sum[:16])
}

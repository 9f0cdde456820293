package compose

import (
	"sync"
	"sync/atomic"
	"time"
)

// Library holds the content in use and the outcome of the last attempt to
// reload it. A broken edit never replaces good content: the error is kept
// for the operator, and sending goes on with the last good version.
type Library struct {
	cur      atomic.Pointer[Content]
	pinned   atomic.Pointer[string] // Content.Pinned, kept across reloads
	mu       sync.Mutex
	err      error
	errAt    time.Time
	loadedAt time.Time
}

// NewLibrary starts a library with good content.
func NewLibrary(c *Content, at time.Time) *Library {
	l := &Library{loadedAt: at}
	l.cur.Store(c)
	return l
}

// Content is the content in use. It is safe to call from any goroutine.
func (l *Library) Content() *Content { return l.cur.Load() }

// Pin fixes the default course (Content.Pinned) of the content in use
// and of every reload after it.
func (l *Library) Pin(slug string) {
	l.pinned.Store(&slug)
	c := *l.cur.Load()
	c.Pinned = slug
	l.cur.Store(&c)
}

// Replace puts new content in use and clears the last error.
func (l *Library) Replace(c *Content, at time.Time) {
	if p := l.pinned.Load(); p != nil {
		c.Pinned = *p
	}
	l.cur.Store(c)
	l.mu.Lock()
	l.err, l.loadedAt = nil, at
	l.mu.Unlock()
}

// Fail records a failed reload; the content in use stays.
func (l *Library) Fail(err error, at time.Time) {
	l.mu.Lock()
	l.err, l.errAt = err, at
	l.mu.Unlock()
}

// Status returns when the content in use was loaded, and the last reload
// error with its time (nil when the last reload succeeded).
func (l *Library) Status() (loadedAt time.Time, err error, errAt time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.loadedAt, l.err, l.errAt
}

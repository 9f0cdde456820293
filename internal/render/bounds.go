package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Rendering an operator's template is bounded, because an edit in the
// browser can hold anything: a loop over a hundred million, a template
// that calls itself, a lesson of many megabytes. html/template cannot be
// cancelled once it runs, so the bounds are laid in three places:
//
//   - At load (loops.go), what can run long without writing anything is
//     refused with its file and line: a range over a number above
//     MaxRange (or over numbers whose product is), over a number made
//     with add, and a template that calls itself, directly or through
//     others. What is left can only loop as long as its data, which is
//     the course's own (bounded by the store's 1 MB a file and 20 MB a
//     version), or by writing.
//   - Every render writes through a bounded writer (boundedWriter) that
//     fails past MaxOutput bytes or past RenderTimeout since the render
//     began; a write error stops the template at once. So a loop that
//     writes ends within the bounds, with a clear error.
//   - Within runs a whole check or preview (loading a draft's templates
//     and lessons, composing its email) in a goroutine and returns at
//     its deadline whatever that goroutine is doing, so a request always
//     gets its answer. The goroutine, if any work remains, ends at its own
//     next write past the deadline.

// The bounds on one render.
const (
	RenderTimeout = 2 * time.Second
	MaxOutput     = 2 << 20
	// MaxRange is the most times a range over a number may run, nested
	// ranges multiplied: a lesson email lists a few dozen lessons at most.
	MaxRange = 1000
)

// ErrTooSlow and ErrTooBig are the bounds' errors; a render's error wraps
// one (as a *BoundError, which names the template).
var (
	ErrTooSlow = errors.New("rendering took too long")
	ErrTooBig  = errors.New("rendering made too much output")
)

// BoundError is a render stopped by a bound.
type BoundError struct {
	What  string        // the template's file, or what was rendered
	After time.Duration // the time bound it passed; 0 for the size bound
}

func (e *BoundError) Error() string {
	what := e.What
	if strings.Contains(what, "/") {
		what = "template " + what
	}
	if e.After > 0 {
		return fmt.Sprintf("%s: rendering took longer than %s (a loop?)", what, e.After)
	}
	return fmt.Sprintf("%s: the output passed %d MB (a loop?)", what, MaxOutput>>20)
}

// Unwrap is ErrTooSlow or ErrTooBig.
func (e *BoundError) Unwrap() error {
	if e.After > 0 {
		return ErrTooSlow
	}
	return ErrTooBig
}

// boundedWriter is a buffer that refuses writes past MaxOutput bytes in
// all, or once the deadline has passed.
type boundedWriter struct {
	buf      *bytes.Buffer
	deadline time.Time
}

func newBounded(buf *bytes.Buffer) *boundedWriter {
	return &boundedWriter{buf: buf, deadline: time.Now().Add(RenderTimeout)}
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if b.buf.Len()+len(p) > MaxOutput {
		return 0, ErrTooBig
	}
	if time.Now().After(b.deadline) {
		return 0, ErrTooSlow
	}
	return b.buf.Write(p)
}

// execute runs one template into buf within the bounds; file names it in
// the error the operator reads.
func execute(buf *bytes.Buffer, file string, run func(io.Writer) error) error {
	err := run(newBounded(buf))
	switch {
	case errors.Is(err, ErrTooSlow):
		return &BoundError{What: file, After: RenderTimeout}
	case errors.Is(err, ErrTooBig):
		return &BoundError{What: file}
	}
	return err
}

// Within runs fn, and returns its error, or a *BoundError naming what once
// timeout has passed, without waiting for fn to finish (see the comment
// at the top of this file for why fn then ends soon after). A panic in
// fn becomes an error: a draft must never take the server down.
func Within(ctx context.Context, timeout time.Duration, what string, fn func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("%s: rendering failed: %v", what, p)
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return &BoundError{What: what, After: timeout}
		}
		return ctx.Err()
	}
}

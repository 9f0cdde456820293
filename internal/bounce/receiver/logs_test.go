package receiver_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// logRecorder is a slog handler that keeps what it is given.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	l.records = append(l.records, r)
	l.mu.Unlock()
	return nil
}

// panics returns the panics go-smtp recovered from that went through
// this package's code. go-smtp has a panic of its own (see errorLog),
// which ownPanics counts.
func (l *logRecorder) panics() []string {
	var p []string
	for _, msg := range l.recovered() {
		if strings.Contains(msg, "bounce/receiver.(") {
			p = append(p, msg)
		}
	}
	return p
}

// ownPanics counts the panics go-smtp recovered from in its own code.
func (l *logRecorder) ownPanics() int {
	return len(l.recovered()) - len(l.panics())
}

func (l *logRecorder) recovered() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var p []string
	for _, r := range l.records {
		if strings.HasPrefix(r.Message, "bounce receiver: smtp: panic") {
			p = append(p, r.Message)
		}
	}
	return p
}

// count returns how many records have msg as their message.
func (l *logRecorder) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if r.Message == msg {
			n++
		}
	}
	return n
}

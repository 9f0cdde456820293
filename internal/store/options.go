package store

import (
	"errors"
	"log/slog"
)

// ErrNoDatabase is Open's answer, with Existing, when there is no
// dripcourse database at the target: no SQLite file, or a PostgreSQL
// schema that was never set up.
var ErrNoDatabase = errors.New("store: no dripcourse database there")

// Option changes how Open opens a database.
type Option func(*options)

type options struct {
	log      *slog.Logger
	existing bool
}

// WithLog makes the store log through l: journal replays, outcomes the
// database refused, failed checkpoints. Without it the store logs nothing.
func WithLog(l *slog.Logger) Option {
	return func(o *options) { o.log = l }
}

// Existing makes Open refuse, with ErrNoDatabase, to create a database:
// for commands that only read, which must not leave an empty database
// behind a mistyped path.
func Existing() Option {
	return func(o *options) { o.existing = true }
}

func openOptions(opts []Option) options {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	return o
}

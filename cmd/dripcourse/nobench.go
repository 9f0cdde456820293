//go:build !bench

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
)

// noBench is what bench answers in a binary built without it.
const noBench = "bench: this binary was built without the benchmark: build one with go build -tags bench ./cmd/dripcourse"

// benchCommand stands in for the benchmark, which this binary was built
// without: it would link the test SMTP server (internal/smtptest) into
// every release.
func benchCommand() command {
	return command{"bench", "", "the performance benchmark, in a binary built with go build -tags bench ./cmd/dripcourse",
		func(fs *flag.FlagSet) action {
			// The benchmark's flags are unknown here: say why instead of
			// listing the settings.
			fs.Usage = func() { fmt.Fprintln(fs.Output(), noBench) }
			return func(context.Context, *env) error { return errors.New(noBench) }
		}}
}

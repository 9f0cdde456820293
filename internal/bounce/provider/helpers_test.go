package provider

import (
	"context"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

// testNow is the fixed time every test runs at.
var testNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// acceptInto is a Handler.Accept that keeps the reports in *into.
func acceptInto(into *[]bounce.Report) func(context.Context, []bounce.Report) error {
	return func(_ context.Context, rs []bounce.Report) error {
		*into = append(*into, rs...)
		return nil
	}
}

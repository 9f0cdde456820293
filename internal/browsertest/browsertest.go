// Package browsertest starts the one headless Chromium a test binary's
// browser tests share (Debian's, driven through chromedp), with the flags
// a sandboxed CI container needs and nothing that phones home, and skips
// those tests where it cannot run. Only tests import it.
package browsertest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is where Debian's package puts the browser.
const Chromium = "/usr/bin/chromium"

// Browser is a test binary's shared Chromium, started on first use. Its
// zero value is ready; TestMain calls Close after the tests.
type Browser struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
	dir    string
	err    error
}

// Context returns the browser's context, starting Chromium with a
// profile directory of its own the first time.
func (b *Browser) Context() (context.Context, error) {
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "dripcourse-chromium-"); b.err != nil {
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium), chromedp.NoSandbox,
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.UserDataDir(b.dir))
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		b.ctx, b.cancel = ctx, func() { cancelCtx(); cancelAlloc() }
		b.err = chromedp.Do(ctx) // starts the browser, with no deadline
	})
	return b.ctx, b.err
}

// Close stops Chromium, if it was started, and removes its profile.
func (b *Browser) Close() {
	if b.cancel != nil {
		b.cancel()
		os.RemoveAll(b.dir)
	}
}

// Tab opens a tab in a browser context of its own (no cookies or storage
// shared with other tests), with a deadline of timeout, or skips t where
// Chromium cannot run. The tab closes when t ends; stop closes it sooner.
func (b *Browser) Tab(t testing.TB, timeout time.Duration) (ctx context.Context, stop context.CancelFunc) {
	t.Helper()
	SkipUnlessAvailable(t)
	bctx, err := b.Context()
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	stop = func() { cancelTimeout(); cancel() }
	t.Cleanup(stop)
	return ctx, stop
}

// SkipUnlessAvailable skips t when Chromium is not installed or the
// tests run with -short, saying how to enable them.
func SkipUnlessAvailable(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Chromium); err != nil {
		t.Skip("browser tests need Chromium at " + Chromium + ": apt-get install chromium (CI installs it)")
	}
	if testing.Short() {
		t.Skip("browser tests are skipped in -short mode")
	}
}

package captcha

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// measureEnv turns TestMeasureSolve on; it takes minutes, so it is off by
// default:
//
//	DRIP_MEASURE_CAPTCHA=1 go test ./internal/captcha -run TestMeasureSolve -v -timeout 1h
//
// DRIP_MEASURE_RUNS sets the solves per row (default 20),
// DRIP_MEASURE_MAX the maxnumbers (default 50000,100000,200000) and
// DRIP_MEASURE_CPU the slowdowns (default 1,4).
const measureEnv = "DRIP_MEASURE_CAPTCHA"

// solveOnce solves one new challenge with the real widget and returns the
// milliseconds verify() took (the fetch included) and the number found.
const solveOnce = `(async () => {
  const el = document.querySelector("altcha-widget");
  el.used = true; // so that verify() solves a new challenge
  const t = performance.now();
  const p = await el.verify();
  return [performance.now() - t, JSON.parse(atob(p)).number];
})()`

// TestMeasureSolve prints how long the script takes to solve challenges in
// headless Chromium, at full speed and with the CPU slowed 4x (a mid-range
// phone), with one worker, with the default count, and on the page's own
// thread (as where a CSP forbids blob: workers). CDP's CPU throttling slows
// the page's thread only: the workers, and the thread where Chromium
// computes every crypto.subtle digest, run at full speed, so only the
// "page" rows show the slowdown.
//
// Solving time grows with the secret number, which is uniform below
// maxnumber, so each row fits time = fixed + number/rate over its runs and
// gives the mean a reader would see, fixed + (maxnumber/2)/rate. It fits
// both the wall time and the CPU time Chromium's processes used: on a
// shared machine the wall time also counts other people's work, while the
// CPU time is what one free core would take.
func TestMeasureSolve(t *testing.T) {
	if os.Getenv(measureEnv) == "" {
		t.Skip("set " + measureEnv + "=1 to measure solving times in Chromium (minutes)")
	}
	runs := 20
	if n, err := strconv.Atoi(os.Getenv("DRIP_MEASURE_RUNS")); err == nil && n > 0 {
		runs = n
	}
	maxes := envNumbers(t, "DRIP_MEASURE_MAX", "50000,100000,200000")
	rates := envNumbers(t, "DRIP_MEASURE_CPU", "1,4")
	ctx := newTab(t, 60*time.Minute)
	pid := chromedp.FromContext(ctx).Browser.Process().Pid
	// Headless Chromium draws the spinner's frames in software, which a
	// phone's GPU does for next to nothing: keep it still.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%-4s %-7s %9s | %8s %10s %8s %8s | %8s %10s %8s", "cpu", "workers", "maxnumber",
		"fixed ms", "numbers/s", "mean ms", "seen ms", "CPU fix", "CPU num/s", "CPU ms")
	for _, rate := range rates {
		if _, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: float64(rate)}); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []string{"1", "default", "page"} {
			for _, max := range maxes {
				wall, cpu := measureRow(t, ctx, pid, max, workers, runs)
				half := float64(max) / 2
				t.Logf("%-4s %-7s %9d | %8.0f %10.0f %8.0f %8.0f | %8.0f %10.0f %8.0f", fmt.Sprintf("%dx", rate), workers, max,
					wall.fixed, wall.perSecond, wall.at(half), wall.mean, cpu.fixed, cpu.perSecond, cpu.at(half))
			}
		}
	}
}

// envNumbers reads a comma-separated list of numbers from the environment.
func envNumbers(t *testing.T, name, def string) []int64 {
	s := os.Getenv(name)
	if s == "" {
		s = def
	}
	var ns []int64
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || n <= 0 {
			t.Fatalf("%s: %q is not a list of positive numbers", name, s)
		}
		ns = append(ns, n)
	}
	return ns
}

// measureRow solves runs challenges of one maxnumber and fits the wall and
// CPU times against the numbers found.
func measureRow(t *testing.T, ctx context.Context, pid int, max int64, workers string, runs int) (wall, cpu line) {
	t.Helper()
	d := newDrip(t, max)
	attrs := []template.HTMLAttr{`auto="onsubmit"`}
	csp := strictCSP
	switch workers {
	case "page": // CDP's throttling slows the page's thread, not workers
		csp = strings.Replace(csp, "worker-src blob:", "worker-src 'none'", 1)
	case "default":
	default:
		attrs = append(attrs, template.HTMLAttr(`workers="`+workers+`"`))
	}
	site := newSite(t, d, csp, attrs...)
	do(t, ctx, chromedp.Navigate(site.URL), chromedp.WaitReady(chromedp.CSS("altcha-widget .altcha-drip-status")))
	var walls, cpus [][2]float64
	for range runs {
		before := treeCPU(pid)
		r, err := chromedp.Run(ctx, chromedp.Evaluate[[2]float64](solveOnce, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		walls = append(walls, r)
		cpus = append(cpus, [2]float64{float64(treeCPU(pid)-before) / float64(time.Millisecond), r[1]})
	}
	return fit(walls), fit(cpus)
}

// line is a fit ms = fixed + number/perSecond*1000, and the mean of the
// times fitted.
type line struct{ fixed, perSecond, mean float64 }

func (l line) at(number float64) float64 { return l.fixed + number/l.perSecond*1000 }

// fit is the Theil-Sen line through (number, ms) pairs: the median of the
// slopes between every two runs, and the median intercept. A run slowed by
// someone else's work on a shared machine moves it much less than it would
// move a least-squares line.
func fit(pairs [][2]float64) line {
	var slopes, sum float64Slice
	for i, p := range pairs {
		sum = append(sum, p[0])
		for _, q := range pairs[i+1:] {
			if q[1] != p[1] {
				slopes = append(slopes, (q[0]-p[0])/(q[1]-p[1]))
			}
		}
	}
	slope := slopes.median() // ms per number
	var intercepts float64Slice
	for _, p := range pairs {
		intercepts = append(intercepts, p[0]-slope*p[1])
	}
	return line{fixed: intercepts.median(), perSecond: 1000 / slope, mean: sum.mean()}
}

type float64Slice []float64

func (s float64Slice) median() float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return (c[(len(c)-1)/2] + c[len(c)/2]) / 2
}

func (s float64Slice) mean() float64 {
	var t float64
	for _, v := range s {
		t += v
	}
	return t / float64(len(s))
}

// The fit finds a line through noisy runs, and one run slowed by a busy
// machine does not bend it.
func TestFitIgnoresAnOutlier(t *testing.T) {
	var pairs [][2]float64
	for n := 1000.0; n <= 20000; n += 1000 {
		pairs = append(pairs, [2]float64{50 + n/10, n}) // 50 ms + 10,000 numbers a second
	}
	pairs[3][0] *= 5
	l := fit(pairs)
	if math.Abs(l.fixed-50) > 1 || math.Abs(l.perSecond-10000) > 10 {
		t.Fatalf("fit = %+v, want fixed 50 ms and 10000 numbers/s", l)
	}
}

package captcha

import (
	"context"
	"fmt"
	"html/template"
	"os"
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
// DRIP_MEASURE_RUNS sets the solves per row (default 20) and
// DRIP_MEASURE_MAX the maxnumbers (default 50000,100000,200000).
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
// phone), with one worker and with the default count.
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
	runs, maxes := measureSettings(t)
	ctx := newTab(t, 60*time.Minute)
	pid := chromedp.FromContext(ctx).Browser.Process().Pid
	t.Logf("%-4s %-7s %9s | %8s %10s %8s %8s | %8s %10s %8s", "cpu", "workers", "maxnumber",
		"fixed ms", "numbers/s", "mean ms", "seen ms", "CPU fix", "CPU num/s", "CPU ms")
	for _, rate := range []float64{1, 4} {
		if _, err := chromedp.Call(ctx, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate}); err != nil {
			t.Fatal(err)
		}
		for _, workers := range []string{"1", "default"} {
			for _, max := range maxes {
				wall, cpu := measureRow(t, ctx, pid, max, workers, runs)
				half := float64(max) / 2
				t.Logf("%-4s %-7s %9d | %8.0f %10.0f %8.0f %8.0f | %8.0f %10.0f %8.0f", fmt.Sprintf("%gx", rate), workers, max,
					wall.fixed, wall.perSecond, wall.at(half), wall.mean, cpu.fixed, cpu.perSecond, cpu.at(half))
			}
		}
	}
}

func measureSettings(t *testing.T) (int, []int64) {
	runs := 20
	if n, err := strconv.Atoi(os.Getenv("DRIP_MEASURE_RUNS")); err == nil && n > 0 {
		runs = n
	}
	maxes := []int64{50_000, 100_000, 200_000}
	if s := os.Getenv("DRIP_MEASURE_MAX"); s != "" {
		maxes = nil
		for _, f := range strings.Split(s, ",") {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				t.Fatalf("DRIP_MEASURE_MAX: %v", err)
			}
			maxes = append(maxes, n)
		}
	}
	return runs, maxes
}

// measureRow solves runs challenges of one maxnumber and fits the wall and
// CPU times against the numbers found.
func measureRow(t *testing.T, ctx context.Context, pid int, max int64, workers string, runs int) (wall, cpu line) {
	t.Helper()
	d := newDrip(t, max)
	attrs := []template.HTMLAttr{`auto="onsubmit"`}
	if workers != "default" {
		attrs = append(attrs, template.HTMLAttr(`workers="`+workers+`"`))
	}
	site := newSite(t, d, strictCSP, attrs...)
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

// line is a least-squares fit ms = fixed + number/perSecond*1000, and the
// mean of the times fitted.
type line struct{ fixed, perSecond, mean float64 }

func (l line) at(number float64) float64 { return l.fixed + number/l.perSecond*1000 }

func fit(pairs [][2]float64) line {
	var sx, sy, sxx, sxy float64
	n := float64(len(pairs))
	for _, p := range pairs {
		ms, x := p[0], p[1]
		sx, sy, sxx, sxy = sx+x, sy+ms, sxx+x*x, sxy+x*ms
	}
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx) // ms per number
	return line{fixed: (sy - slope*sx) / n, perSecond: 1000 / slope, mean: sy / n}
}

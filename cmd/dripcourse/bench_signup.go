package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/links"
)

var stampField = regexp.MustCompile(`name="started" value="([^"]+)"`)

// benchSignups posts n signups of distinct addresses through the real
// web handler on a loopback listener, and reports rate and latency. The
// confirmation emails are only queued: no mail is sent during the run.
func benchSignups(ctx context.Context, w io.Writer, apps []*app, pg *serverCPU, n, clients int) error {
	bases := make([]string, len(apps))
	for i, a := range apps {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := a.webServer()
		go srv.Serve(ln)
		defer srv.Shutdown(context.WithoutCancel(ctx))
		bases[i] = "http://" + ln.Addr().String()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}
	stamp, err := formStamp(client, bases[0]+links.CoursePath(apps[0].lib.Content().Default().Slug))
	if err != nil {
		return err
	}
	var lat latencies
	var failures int
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	pg0, _ := pg.seconds(ctx)
	cpu0, start := cpuSeconds(), time.Now()
	for range clients {
		wg.Go(func() {
			for i := range jobs {
				t0 := time.Now()
				ok := postSignup(client, bases[i%len(bases)], fmt.Sprintf("signup%d@bench.example", i), stamp)
				lat.add(time.Since(t0))
				if !ok {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	took, cpu := time.Since(start), cpuSeconds()-cpu0
	fmt.Fprintf(w, "signups:   %d in %.2fs = %.0f req/s with %d clients; latency p50 %s p99 %s; CPU %.2fs; %d failed\n",
		n, took.Seconds(), float64(n)/took.Seconds(), clients, lat.quantile(0.5).Round(time.Microsecond),
		lat.quantile(0.99).Round(time.Microsecond), cpu, failures)
	if pg1, ok := pg.seconds(ctx); ok {
		fmt.Fprintf(w, "server:    PostgreSQL's processes for this run used %.2fs CPU in the signups (%.0f µs a signup)\n",
			pg1-pg0, (pg1-pg0)/float64(n)*1e6)
	}
	return nil
}

// formStamp reads the form's start stamp from the course page at page.
func formStamp(c *http.Client, pageURL string) (string, error) {
	res, err := c.Get(pageURL)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	m := stampField.FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("bench: the course page has no signup form")
	}
	return string(m[1]), nil
}

func postSignup(c *http.Client, base, email, stamp string) bool {
	form := url.Values{"email": {email}, "tz": {"Europe/London"}, "started": {stamp}}
	res, err := c.Post(base+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/captcha"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/web"
)

var stampField = regexp.MustCompile(`name="started" value="([^"]+)"`)

// benchSignups posts n signups of distinct addresses through the real
// web handler on a loopback listener, and reports rate and latency. Each
// signup is a form as a browser sends it: its own start stamp (each is
// accepted once) and, with the captcha on, a solved challenge of its own;
// the pages and challenges are fetched and solved before the clock starts,
// so the figures are the server's: verifying, spending and storing. The
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
	prepStart := time.Now()
	forms, err := prepareForms(client, bases, links.CoursePath(apps[0].lib.Content().Default().Slug), n, apps[0].captcha != nil)
	if err != nil {
		return err
	}
	captchaNote := "captcha off"
	if apps[0].captcha != nil {
		captchaNote = fmt.Sprintf("captcha on, maxnumber %d, %d solved in %.1fs before the run", apps[0].captcha.MaxNumber(), n, time.Since(prepStart).Seconds())
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
				ok := postSignup(client, bases[i%len(bases)], forms[i])
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
	fmt.Fprintf(w, "signups:   %d in %.2fs = %.0f req/s with %d clients; latency p50 %s p99 %s; CPU %.2fs (%.0f µs a signup, server and client); %d failed (%s)\n",
		n, took.Seconds(), float64(n)/took.Seconds(), clients, lat.quantile(0.5).Round(time.Microsecond),
		lat.quantile(0.99).Round(time.Microsecond), cpu, cpu/float64(n)*1e6, failures, captchaNote)
	if pg1, ok := pg.seconds(ctx); ok {
		fmt.Fprintf(w, "server:    PostgreSQL's processes for this run used %.2fs CPU in the signups (%.0f µs a signup)\n",
			pg1-pg0, (pg1-pg0)/float64(n)*1e6)
	}
	return nil
}

// prepareForms fetches a form (its start stamp) and, with the captcha on,
// a challenge for each of n signups, and solves each challenge, on every
// core.
func prepareForms(c *http.Client, bases []string, page string, n int, withCaptcha bool) ([]url.Values, error) {
	forms := make([]url.Values, n)
	errs := make(chan error, runtime.NumCPU())
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range jobs {
				f, err := prepareForm(c, bases[i%len(bases)], page, withCaptcha)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				f.Set("email", fmt.Sprintf("signup%d@bench.example", i))
				forms[i] = f
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
		return forms, nil
	}
}

func prepareForm(c *http.Client, base, page string, withCaptcha bool) (url.Values, error) {
	stamp, err := formStamp(c, base+page)
	if err != nil {
		return nil, err
	}
	f := url.Values{"tz": {"Europe/London"}, "started": {stamp}}
	if !withCaptcha {
		return f, nil
	}
	res, err := c.Get(base + web.ChallengePath)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var ch captcha.Challenge
	if err := json.NewDecoder(res.Body).Decode(&ch); err != nil {
		return nil, fmt.Errorf("bench: the captcha challenge: %w", err)
	}
	payload, err := captcha.Solve(ch)
	if err != nil {
		return nil, err
	}
	f.Set("altcha", payload)
	return f, nil
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

// checkInbox is on the one page a taken signup answers with.
var checkInbox = []byte("<h1>Check your inbox</h1>")

// postSignup posts one form and reports whether it was taken.
func postSignup(c *http.Client, base string, form url.Values) bool {
	res, err := c.Post(base+"/subscribe", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return false
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK && bytes.Contains(body, checkInbox)
}

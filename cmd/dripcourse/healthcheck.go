package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// cmdHealthcheck asks the running server's /healthz, for container
// HEALTHCHECKs in images that have no shell or curl.
func cmdHealthcheck(ctx context.Context, e *env) error {
	host, port, err := net.SplitHostPort(e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("DRIP_ADDR %q: %w", e.cfg.Addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: /healthz answered %d", res.StatusCode)
	}
	fmt.Fprintln(e.stdout, "ok")
	return nil
}

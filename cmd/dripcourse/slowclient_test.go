package main

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestSlowClientIsCutOff opens a connection and sends half a request
// header, slowly: the server must close it once the header timeout passes
// instead of holding it open.
func TestSlowClientIsCutOff(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.app.webServer()
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Fatalf("the web server lacks a timeout: %+v", srv)
	}
	srv.ReadHeaderTimeout = 300 * time.Millisecond // the production value is seconds; the mechanism is the same
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	b, _ := io.ReadAll(c) // returns when the server closes the connection
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the server held a half-sent request open for %s", took)
	}
	if len(b) > 0 && string(b[:12]) == "HTTP/1.1 200" {
		t.Fatal("the server answered a request whose header never finished")
	}
}

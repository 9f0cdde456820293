package main

import (
	"io"
	"net"
	"testing"
	"time"
)

// One client holds at most maxConnsPerClient connections at once: the next
// is closed on arrival, and a place freed is taken again. A trusted proxy
// is not capped.
func TestConnectionsAreCappedPerClient(t *testing.T) {
	h := newHarness(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	capped := h.app.perClient(ln)
	defer capped.Close()
	accepted := make(chan net.Conn, 2*maxConnsPerClient)
	go func() {
		for {
			c, err := capped.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	var held []net.Conn
	for range maxConnsPerClient {
		dial()
		held = append(held, <-accepted)
	}
	over := dial()
	over.SetReadDeadline(time.Now().Add(10 * time.Second)) // a bound on failure, not a wait
	if _, err := over.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("connection %d from one client: read %v, want it closed (EOF)", maxConnsPerClient+1, err)
	}
	held[0].Close() // a place is free again
	dial()
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("a connection within the cap, after one closed, was not accepted")
	}
}

func TestTrustedProxiesAreNotCapped(t *testing.T) {
	h := newHarness(t, map[string]string{"DRIP_TRUSTED_PROXIES": "127.0.0.1/32"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	capped := h.app.perClient(ln)
	defer capped.Close()
	const n = maxConnsPerClient + 8
	accepted := make(chan net.Conn, n)
	go func() {
		for {
			c, err := capped.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for i := range n {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		select {
		case a := <-accepted:
			defer a.Close()
		case <-time.After(10 * time.Second):
			t.Fatalf("connection %d from a trusted proxy was not accepted", i+1)
		}
	}
}

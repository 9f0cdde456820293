package web

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination the server's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A client that sends the headers of a signup and then too little of its
// body gets 408 once the server's read deadline passes, logged at INFO:
// the client's slowness is not a server error.
func TestSlowBodyIs408AtInfo(t *testing.T) {
	f := newFixture(t)
	var logs syncBuffer
	f.srv.Log = slog.New(slog.NewTextHandler(&logs, nil))
	ts := httptest.NewUnstartedServer(f.srv.Handler())
	ts.Config.ReadTimeout = 300 * time.Millisecond // serve's is seconds; the mechanism is the same
	ts.Start()
	defer ts.Close()
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=sam")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a request whose body stalled: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408", res.StatusCode)
	}
	ts.Close() // waits for the handler, and so for its log lines
	if out := logs.String(); strings.Contains(out, "level=ERROR") || !strings.Contains(out, "level=INFO msg=\"request body too slow") {
		t.Fatalf("log:\n%s\nwant the slow body at INFO and no ERROR", out)
	}
}

package receiver_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/receiver"
	"github.com/dripcourse/dripcourse/internal/token"
)

// fuzzConfig lifts the per-client limits, which a fuzzer on one address
// would otherwise spend in a moment, and keeps timeouts short.
var fuzzConfig = receiver.Config{
	MaxBytes: 4096, MessagesPerMinute: 1 << 20, MaxConnsPerClient: 1000, MaxSessions: 1000,
	ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
}

// exchange sends script on a new connection, closes its sending side and
// reads every reply until the server hangs up.
func exchange(t testing.TB, addr string, script []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	drained := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, conn); drained <- err }()
	conn.Write(script) // the server may hang up first: that is an answer too
	conn.(*net.TCPConn).CloseWrite()
	if err := <-drained; err != nil && !isReset(err) {
		t.Fatalf("the server did not hang up: %v", err)
	}
}

// checkRecorded fails unless every recorded message went to one of valid.
func checkRecorded(t testing.TB, f *fixture, valid ...string) {
	t.Helper()
	got, _ := f.received()
	for _, m := range got {
		ok := false
		for _, v := range valid {
			ok = ok || strings.EqualFold(m.To, v)
		}
		if !ok {
			t.Fatalf("a message for %q was accepted", m.To)
		}
	}
}

var verbs = []string{"HELO", "EHLO", "LHLO", "MAIL FROM:", "RCPT TO:", "DATA", "BDAT", "RSET", "NOOP",
	"QUIT", "VRFY", "EXPN", "HELP", "AUTH", "STARTTLS", "mail from:", "rcpt to:", "", "X-FOO"}

// randomScript is a run of command lines, some well formed and most not.
func randomScript(rng *rand.Rand, valid string) []byte {
	args := []string{"", " <>", " <" + valid + ">", " <" + strings.ToUpper(valid) + ">", " <b+aaaa@" + domain + ">",
		" <someone@gmail.com>", " mta.example.net", " <> SIZE=99999999999", " <> BODY=BINARYMIME", " <> SMTPUTF8",
		" 10", " 0", " 4294967295 LAST", " 5 LAST", " PLAIN AGFsaWNlAHNlY3JldA==", " <\"b+x\"@" + domain + ">",
		" <@a,@b:" + valid + ">", " " + strings.Repeat("A", 3000), " \x00\xff\x7f", " <" + valid + "> NOTIFY=NEVER"}
	var b bytes.Buffer
	for range 1 + rng.IntN(30) {
		if rng.IntN(8) == 0 {
			junk := make([]byte, rng.IntN(200))
			for i := range junk {
				junk[i] = byte(rng.UintN(256))
			}
			b.Write(junk)
		} else {
			b.WriteString(verbs[rng.IntN(len(verbs))] + args[rng.IntN(len(args))])
		}
		b.WriteString([]string{"\r\n", "\r\n", "\r\n", "\n", "\r"}[rng.IntN(5)])
	}
	return b.Bytes()
}

// TestRandomCommandsNeverPanic throws random command lines at the server
// and checks that it answers and hangs up every time, logs no panic,
// accepts mail only for a valid token, and still works afterwards.
func TestRandomCommandsNeverPanic(t *testing.T) {
	f := start(t, fuzzConfig)
	valid := f.verp(token.BounceLesson, 1)
	rng := rand.New(rand.NewPCG(20, 26))
	for range 300 {
		exchange(t, f.addr, randomScript(rng, valid))
	}
	checkRecorded(t, f, valid)
	t.Logf("go-smtp recovered from %d panics of its own", f.logs.ownPanics())
	before, _ := f.received()
	if err := f.send("", valid, []byte(dsn)); err != nil {
		t.Fatalf("after the random commands, a valid message: %v", err)
	}
	if after, _ := f.received(); len(after) != len(before)+1 {
		t.Fatalf("the valid message was not recorded")
	}
}

func FuzzCommands(f *testing.F) {
	fx := start(f, fuzzConfig)
	valid := fx.verp(token.BounceLesson, 1)
	f.Add([]byte("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<" + valid + ">\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n"))
	f.Add([]byte("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<" + valid + ">\r\nBDAT 5 LAST\r\nhello"))
	f.Add([]byte("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<someone@gmail.com>\r\nDATA\r\n"))
	f.Add([]byte("HELO x\r\nMAIL FROM:<a@b> SIZE=999999\r\nRCPT TO:<b+@" + domain + ">\r\n"))
	f.Add([]byte("EHLO x\r\nBDAT 4294967295 LAST\r\n"))
	f.Add([]byte("EHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<" + valid + ">\r\nBDAT 0\r\nRSET\r\nBDAT 0 LAST\r\n"))
	f.Add([]byte("\x00\xff\r\n\r\n\n\rAUTH PLAIN =\r\nSTARTTLS\r\n"))
	rng := rand.New(rand.NewPCG(1, 1))
	for range 4 {
		f.Add(randomScript(rng, valid))
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		// The server outlives each input: look only at what this one did,
		// so that a failure is pinned on the input that caused it.
		fx.reset()
		exchange(t, fx.addr, script)
		checkRecorded(t, fx, valid)
		if p := fx.logs.panics(); len(p) > 0 {
			t.Fatalf("the server logged a panic: %q", p)
		}
	})
}

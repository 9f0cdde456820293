package captcha

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/clock"
)

// testKey is a 32-byte key for tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// start is the fake clock's start.
var start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// fixture is an Issuer on a fake clock with an in-memory Spender.
type fixture struct {
	is    *Issuer
	clock *clock.Fake
	spent *MemorySpender
}

func newFixture(t testing.TB, max int64) *fixture {
	t.Helper()
	c := clock.NewFake(start)
	sp := NewMemorySpender(1<<20, c.Now)
	is, err := New(Config{Key: testKey, MaxNumber: max, Lifetime: 10 * time.Minute, Now: c.Now, Spender: sp})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{is: is, clock: c, spent: sp}
}

// solve finds a challenge's number the way the browser does.
func solve(t testing.TB, c Challenge) int64 {
	t.Helper()
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashHex(c.Salt, n) == c.Challenge {
			return n
		}
	}
	t.Fatalf("no number up to %d solves %+v", c.MaxNumber, c)
	return -1
}

// solution is a payload's members, to be edited by tests.
type solution map[string]any

func solved(t testing.TB, c Challenge) solution {
	return solution{"algorithm": c.Algorithm, "challenge": c.Challenge, "number": solve(t, c),
		"salt": c.Salt, "signature": c.Signature}
}

// encode is the payload as btoa(JSON.stringify(...)) makes it.
func (s solution) encode() string {
	b, err := json.Marshal(map[string]any(s))
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// rawPayload encodes a JSON text as it is, for shapes json.Marshal would
// never write.
func rawPayload(js string) string { return base64.StdEncoding.EncodeToString([]byte(js)) }

// validJSON is a well-formed payload's JSON, with its members in order.
func validJSON(c Challenge, n int64) string {
	return `{"algorithm":"SHA-256","challenge":"` + c.Challenge + `","number":` + strconv.FormatInt(n, 10) +
		`,"salt":"` + c.Salt + `","signature":"` + c.Signature + `"}`
}

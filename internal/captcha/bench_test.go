package captcha

import (
	"context"
	"testing"
)

// BenchmarkVerify measures the server's cost of one accepted solution:
// parsing, one HMAC, one SHA-256 and one in-memory Spend. The solving is
// done before the timer starts.
func BenchmarkVerify(b *testing.B) {
	f := newFixture(b, 10)
	payloads := make([]string, b.N)
	for i := range payloads {
		payloads[i] = solved(b, f.is.Challenge()).encode()
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := f.is.Verify(ctx, payloads[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChallenge measures the cost of serving one challenge.
func BenchmarkChallenge(b *testing.B) {
	f := newFixture(b, DefaultMaxNumber)
	b.ReportAllocs()
	for b.Loop() {
		f.is.Challenge()
	}
}

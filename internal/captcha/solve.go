package captcha

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Solve finds c's number as the browser does and returns the payload the
// browser would post. It is for benchmarks and tests, which must solve
// each challenge they spend; it costs up to MaxNumber hashes.
func Solve(c Challenge) (string, error) {
	for n := int64(0); n <= c.MaxNumber; n++ {
		if hashEqual(c.Salt, n, c.Challenge) {
			b, err := json.Marshal(struct {
				Algorithm string `json:"algorithm"`
				Challenge string `json:"challenge"`
				Number    int64  `json:"number"`
				Salt      string `json:"salt"`
				Signature string `json:"signature"`
			}{c.Algorithm, c.Challenge, n, c.Salt, c.Signature})
			return base64.StdEncoding.EncodeToString(b), err
		}
	}
	return "", fmt.Errorf("captcha: no number up to %d solves the challenge", c.MaxNumber)
}

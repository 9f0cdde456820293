package captcha

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// goodJSON is a well-formed payload for the shapes below to break.
const (
	goodChallenge = "5d41402abc4b2a76b9719d911017c5925d41402abc4b2a76b9719d911017c592"
	goodSalt      = "0123456789abcdef0123456789abcdef?expires=1796115600&"
	goodJSON      = `{"algorithm":"SHA-256","challenge":"` + goodChallenge + `","number":42,"salt":"` + goodSalt +
		`","signature":"` + goodChallenge + `"}`
)

// with replaces the first occurrence of old in goodJSON.
func with(old, new string) string { return strings.Replace(goodJSON, old, new, 1) }

func TestParsePayloadAcceptsTheGoodOne(t *testing.T) {
	p, err := ParsePayload(rawPayload(goodJSON))
	if err != nil {
		t.Fatal(err)
	}
	if p.Number != 42 || p.Salt != goodSalt || p.Challenge != goodChallenge || p.Algorithm != "SHA-256" {
		t.Fatalf("parsed %+v", p)
	}
}

func TestParsePayloadRefusesMalformed(t *testing.T) {
	std := rawPayload(goodJSON)
	cases := map[string]string{
		"empty":                  "",
		"not base64":             "not base64!",
		"line break":             std[:40] + "\n" + std[40:],
		"CRLF at the end":        std + "\r\n",
		"space":                  " " + std,
		"double padding":         rawPayload(goodJSON+" ") + "=",
		"mixed alphabets":        "+-" + std[2:],
		"oversize":               rawPayload(goodJSON[:len(goodJSON)-1] + `,"x":"` + strings.Repeat("a", 800) + `"}`),
		"not JSON":               rawPayload("algorithm=SHA-256"),
		"JSON array":             rawPayload(`[` + goodJSON + `]`),
		"JSON string":            rawPayload(`"` + goodChallenge + `"`),
		"null":                   rawPayload(`null`),
		"two objects":            rawPayload(goodJSON + goodJSON),
		"trailing garbage":       rawPayload(goodJSON + "x"),
		"unterminated":           rawPayload(goodJSON[:len(goodJSON)-1]),
		"invalid UTF-8":          rawPayload(with(`"SHA-256"`, "\"SHA-256\xff\"")),
		"duplicate number":       rawPayload(with(`"number":42`, `"number":42,"number":43`)),
		"duplicate salt":         rawPayload(with(`"salt"`, `"salt":"x","salt"`)),
		"missing number":         rawPayload(with(`"number":42,`, ``)),
		"missing signature":      rawPayload(with(`,"signature":"`+goodChallenge+`"`, ``)),
		"unknown member":         rawPayload(with(`"number":42`, `"number":42,"maxnumber":100`)),
		"test mode":              rawPayload(with(`"number":42`, `"number":42,"test":true`)),
		"member in another case": rawPayload(with(`"algorithm"`, `"Algorithm"`)),
		"number as string":       rawPayload(with(`42`, `"42"`)),
		"negative number":        rawPayload(with(`42`, `-42`)),
		"leading zero":           rawPayload(with(`42`, `042`)),
		"fraction":               rawPayload(with(`42`, `42.0`)),
		"exponent":               rawPayload(with(`42`, `4.2e1`)),
		"huge number":            rawPayload(with(`42`, `12345678901234567890`)),
		"null number":            rawPayload(with(`42`, `null`)),
		"number as object":       rawPayload(with(`42`, `{"n":42}`)),
		"algorithm as number":    rawPayload(with(`"SHA-256"`, `256`)),
		"SHA-1":                  rawPayload(with(`SHA-256`, `SHA-1`)),
		"sha-256 lower case":     rawPayload(with(`SHA-256`, `sha-256`)),
		"challenge upper case":   rawPayload(with(goodChallenge, strings.ToUpper(goodChallenge))),
		"challenge too short":    rawPayload(with(goodChallenge, goodChallenge[:62])),
		"signature not hex":      rawPayload(strings.Replace(goodJSON, `"signature":"5d`, `"signature":"zz`, 1)),
		"salt without &":         rawPayload(with(goodSalt, strings.TrimSuffix(goodSalt, "&"))),
		"salt with more params":  rawPayload(with(goodSalt, goodSalt+"x=1&")),
		"salt nonce too short":   rawPayload(with(goodSalt, goodSalt[2:])),
		"salt expiry leading 0":  rawPayload(with(goodSalt, strings.Replace(goodSalt, "=1", "=01", 1))),
		"salt expiry negative":   rawPayload(with(goodSalt, strings.Replace(goodSalt, "=1", "=-1", 1))),
		"salt expiry huge":       rawPayload(with(goodSalt, strings.Replace(goodSalt, "=1", "=9999999", 1))),
		"took as string":         rawPayload(with(`"number":42`, `"number":42,"took":"5"`)),
		"took negative":          rawPayload(with(`"number":42`, `"number":42,"took":-5`)),
	}
	if got := rawPayload(goodJSON); len(cases["oversize"]) <= MaxPayload || len(got) > MaxPayload {
		t.Fatalf("the oversize case is %d bytes", len(cases["oversize"]))
	}
	for name, payload := range cases {
		t.Run(name, func(t *testing.T) {
			if p, err := ParsePayload(payload); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParsePayload = %+v, %v; want ErrMalformed", p, err)
			}
		})
	}
}

// Base64 whose last character carries bits the decoded bytes do not use
// decodes to the same bytes as the canonical form: it is refused, so one
// payload has one spelling.
func TestParsePayloadRefusesNonCanonicalBase64(t *testing.T) {
	js := goodJSON + " " // a length that leaves unused bits
	canon := base64.StdEncoding.EncodeToString([]byte(js))
	i := strings.IndexByte(canon, '=') - 1
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	next := alphabet[strings.IndexByte(alphabet, canon[i])+1]
	loose := canon[:i] + string(next) + canon[i+1:]
	if b, err := base64.StdEncoding.DecodeString(loose); err != nil || string(b) != js {
		t.Fatalf("the test's loose encoding does not decode to the same bytes: %v", err)
	}
	if _, err := ParsePayload(loose); !errors.Is(err, ErrMalformed) {
		t.Fatalf("non-canonical base64: %v", err)
	}
}

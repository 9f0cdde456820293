package webhook

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestSealOpens(t *testing.T) {
	z, err := NewSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSecret()
	sealed := z.Seal(s)
	if strings.Contains(sealed, strings.TrimPrefix(string(s), SecretPrefix)) || sealed == z.Seal(s) {
		t.Fatalf("sealed %q shows the secret, or is the same twice", sealed)
	}
	if got, err := z.Open(sealed); err != nil || got != s {
		t.Fatalf("opened %v, %v", got == s, err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{2}, 32))
	if _, err := other.Open(sealed); !errors.Is(err, ErrUnseal) {
		t.Fatalf("opened under another signing secret: %v", err)
	}
	tampered := sealed[:len(sealed)-4] + "AAA="
	for _, bad := range []string{tampered, "", "v1:", "v1:!!!", "v2:" + sealed[3:]} {
		if _, err := z.Open(bad); !errors.Is(err, ErrUnseal) {
			t.Errorf("Open(%q): %v", bad, err)
		}
	}
	if _, err := NewSealer(make([]byte, 16)); err == nil {
		t.Error("a 16-byte signing secret accepted")
	}
}

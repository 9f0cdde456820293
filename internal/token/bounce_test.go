package token

import (
	"encoding/binary"
	"errors"
	"net/mail"
	"strings"
	"testing"
)

var bounceSecret = []byte("0123456789abcdef0123456789abcdef")

func mustBounce(t testing.TB, s *Signer, r BounceRef) string {
	t.Helper()
	tok, err := s.BounceToken(r)
	if err != nil {
		t.Fatalf("BounceToken(%+v): %v", r, err)
	}
	return tok
}

func TestBounceRoundTrip(t *testing.T) {
	s := NewSigner(bounceSecret)
	tests := []BounceRef{
		{BounceLesson, 1}, {BounceConfirmation, 1}, {BounceLesson, 127}, {BounceLesson, 128},
		{BounceConfirmation, 1 << 32}, {BounceLesson, 1<<63 - 1},
	}
	for _, r := range tests {
		tok := mustBounce(t, s, r)
		if strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Errorf("%+v: token %q has characters outside lower-case base32", r, tok)
		}
		if len(tok) < 20 || len(tok) > 32 {
			t.Errorf("%+v: token %q is %d characters, want 20 to 32", r, tok, len(tok))
		}
		for _, spelling := range []string{tok, strings.ToUpper(tok), mixCase(tok)} {
			got, err := s.ParseBounce(spelling)
			if err != nil || got != r {
				t.Errorf("ParseBounce(%q) = %+v, %v; want %+v", spelling, got, err, r)
			}
		}
	}
}

func mixCase(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); i += 2 {
		if b[i] >= 'a' && b[i] <= 'z' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

func TestBounceLocalPartIsADotAtom(t *testing.T) {
	s := NewSigner(bounceSecret)
	r := BounceRef{BounceLesson, 1<<63 - 1}
	local, err := s.BounceLocalPart(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(local) > 64 {
		t.Errorf("local part %q is %d characters, over the 64 of RFC 5321", local, len(local))
	}
	addr := local + "@bounces.example.org"
	if a, err := mail.ParseAddress("<" + addr + ">"); err != nil || a.Address != addr {
		t.Errorf("ParseAddress(%q) = %v, %v; want it unchanged, unquoted", addr, a, err)
	}
	for _, l := range []string{local, strings.ToUpper(local)} {
		if got, err := s.ParseBounceLocalPart(l); err != nil || got != r {
			t.Errorf("ParseBounceLocalPart(%q) = %+v, %v; want %+v", l, got, err, r)
		}
	}
	for _, l := range []string{"", "b", "b+", "c+" + local[2:], "b-" + local[2:], local[2:]} {
		if _, err := s.ParseBounceLocalPart(l); err == nil {
			t.Errorf("ParseBounceLocalPart(%q) accepted", l)
		}
	}
}

func TestBounceTokenRefusesBadRefs(t *testing.T) {
	s := NewSigner(bounceSecret)
	for _, r := range []BounceRef{{BounceLesson, 0}, {BounceLesson, -1}, {0, 1}, {3, 1}, {255, 1}} {
		if tok, err := s.BounceToken(r); !errors.Is(err, ErrMalformed) {
			t.Errorf("BounceToken(%+v) = %q, %v; want ErrMalformed", r, tok, err)
		}
		if _, err := s.BounceLocalPart(r); !errors.Is(err, ErrMalformed) {
			t.Errorf("BounceLocalPart(%+v): err = %v, want ErrMalformed", r, err)
		}
	}
}

// signedBody encodes body with a valid tag, to show that structure is
// checked even where the signature holds.
func signedBody(s *Signer, body []byte) string {
	return bounceEncoding.EncodeToString(s.bounceMAC(body, body))
}

// flip changes the character at i to another of the alphabet.
func flip(tok string, i int) string {
	b := []byte(tok)
	if b[i] == 'a' {
		b[i] = 'b'
	} else {
		b[i] = 'a'
	}
	return string(b)
}

func TestParseBounceRefuses(t *testing.T) {
	s := NewSigner(bounceSecret)
	r := BounceRef{BounceLesson, 4242}
	good := mustBounce(t, s, r)
	other := mustBounce(t, NewSigner([]byte("another secret, also 32 bytes..")), r)
	lastBits := setLowBit(good) // 21 characters hold 105 bits for 104: the last must be 0
	tests := []struct {
		name, tok string
		want      error
	}{
		{"empty", "", ErrMalformed},
		{"too short", good[:19], ErrMalformed},
		{"too long", good + strings.Repeat("a", 33-len(good)), ErrMalformed},
		{"dropped last char", good[:len(good)-1], ErrMalformed},
		{"padding", good + "======", ErrMalformed},
		{"digit outside the alphabet", good[:5] + "0" + good[6:], ErrMalformed},
		{"digit 1", good[:5] + "1" + good[6:], ErrMalformed},
		{"hyphen", good[:5] + "-" + good[6:], ErrMalformed},
		{"dot", good[:5] + "." + good[6:], ErrMalformed},
		{"space", " " + good[1:], ErrMalformed},
		{"kelvin sign", strings.Replace(good, good[3:4], "\u212a", 1), ErrMalformed},
		{"non-zero trailing bits", lastBits, ErrMalformed},
		{"flipped first char", flip(good, 0), ErrMalformed}, // changes the kind
		{"flipped id char", flip(good, 2), ErrSignature},
		{"flipped tag char", flip(good, len(good)-2), ErrSignature},
		{"other secret", other, ErrSignature},
		{"moved to another id", moveTag(t, s, good, BounceRef{BounceLesson, 4243}), ErrSignature},
		{"moved to another kind", moveTag(t, s, good, BounceRef{BounceConfirmation, 4242}), ErrSignature},
		{"signed over-long varint", signedBody(s, []byte{1, 0x81, 0x00}), ErrMalformed},
		{"signed id 0", signedBody(s, []byte{1, 0}), ErrMalformed},
		{"signed unknown kind", signedBody(s, []byte{9, 1}), ErrMalformed},
		{"signed trailing byte", signedBody(s, []byte{1, 1, 0}), ErrMalformed},
		{"signed id over int64", signedBody(s, binary.AppendUvarint([]byte{1}, 1<<63)), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ParseBounce(tt.tok)
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseBounce(%q) = %+v, %v; want %v", tt.tok, got, err, tt.want)
			}
		})
	}
}

// setLowBit sets the last bit of tok's last character.
func setLowBit(tok string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	i := strings.IndexByte(alphabet, tok[len(tok)-1])
	return tok[:len(tok)-1] + string(alphabet[i|1])
}

// moveTag puts good's tag on the body of to: what a forger who knows the
// format but not the key would try.
func moveTag(t *testing.T, s *Signer, good string, to BounceRef) string {
	t.Helper()
	g, err := bounceEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	body := binary.AppendUvarint([]byte{byte(to.Kind)}, uint64(to.ID))
	return bounceEncoding.EncodeToString(append(body, g[len(g)-bounceMACSize:]...))
}

func TestBounceTagIsNotAClaimsTag(t *testing.T) {
	s := NewSigner(bounceSecret)
	tok := s.Sign(Claims{Purpose: Bounce, Subscriber: 1})
	if _, err := s.ParseBounce(tok); err == nil {
		t.Errorf("a Claims token for purpose bounce parsed as a bounce token: %q", tok)
	}
}

func FuzzParseBounce(f *testing.F) {
	s := NewSigner(bounceSecret)
	for _, r := range []BounceRef{{BounceLesson, 1}, {BounceConfirmation, 300}, {BounceLesson, 1<<63 - 1}} {
		tok := mustBounce(f, s, r)
		f.Add(tok)
		f.Add(strings.ToUpper(tok))
		f.Add(tok[:len(tok)-1])
	}
	for _, junk := range []string{"", "a", "b+", strings.Repeat("a", 20), strings.Repeat("7", 32), "====", "\u212a\u212a", "aaaaaaaaaaaaaaaaaaaa=="} {
		f.Add(junk)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		r, err := s.ParseBounce(tok)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
				t.Fatalf("ParseBounce(%q): unexpected error %v", tok, err)
			}
			return
		}
		canon, err := s.BounceToken(r)
		if err != nil || canon != strings.ToLower(tok) {
			t.Fatalf("ParseBounce accepted %q as %+v, whose token is %q (%v)", tok, r, canon, err)
		}
	})
}

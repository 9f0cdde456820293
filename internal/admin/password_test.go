package admin

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("s3cret")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "s3cret") {
		t.Fatalf("hash %q", h)
	}
	if h == HashPassword("s3cret") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !CheckPassword(h, "s3cret") || CheckPassword(h, "s3cret ") || CheckPassword(h, "") {
		t.Fatal("CheckPassword accepts the wrong password or refuses the right one")
	}
	for _, bad := range []string{"", "s3cret", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA", strings.Replace(h, "$v=19$", "$v=18$", 1)} {
		if CheckPassword(bad, "s3cret") {
			t.Errorf("hash %q matched", bad)
		}
	}
	if p := NewPassword(); len(p) < 20 || p == NewPassword() {
		t.Fatalf("NewPassword gave %q", p)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/admin/readers?q=a": "/admin/readers?q=a", "/admin": "/admin", "": "/admin", "https://evil.example/admin": "/admin",
		"//evil.example/admin": "/admin", "/administrator": "/admin", "/admin/login": "/admin", "/\\evil.example": "/admin", "/": "/admin",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

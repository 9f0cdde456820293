package mailer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

// writeKey writes key as a PKCS#8 PEM file and returns the file and the
// DNS TXT record a receiver would look up.
func writeKey(t testing.TB, key any, pub any, kind string) (file, record string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "dkim.pem")
	os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	var p []byte
	if kind == "ed25519" {
		p = pub.(ed25519.PublicKey)
	} else {
		p, _ = x509.MarshalPKIXPublicKey(pub)
	}
	return file, "v=DKIM1; k=" + kind + "; p=" + base64.StdEncoding.EncodeToString(p)
}

func TestDKIMSignatureVerifies(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keys := map[string][2]any{"rsa": {rsaKey, &rsaKey.PublicKey}, "ed25519": {edKey, edPub}}
	for kind, k := range keys {
		t.Run(kind, func(t *testing.T) {
			file, record := writeKey(t, k[0], k[1], kind)
			signer, err := LoadDKIM(file, "example.test", "s2026")
			if err != nil {
				t.Fatal(err)
			}
			ob, _ := NewOutbox(t.TempDir(), signer)
			m := &Message{FromName: "Course", FromAddr: "c@example.test", ToName: "Sam", ToAddr: "sam@example.org",
				Subject: "Lesson one", MessageID: "d1.abc@example.test", Date: time.Now(), Text: "Hello.\n", HTML: "<p>Hello.</p>",
				Headers: []Header{{"List-Unsubscribe", "<https://course.example.test/u/tok>"}, {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}}}
			if err := ob.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			files, _ := filepath.Glob(filepath.Join(ob.Dir, "*.eml"))
			raw, _ := os.ReadFile(files[0])
			lookup := func(domain string) ([]string, error) {
				if domain != "s2026._domainkey.example.test" {
					t.Errorf("looked up %q", domain)
				}
				return []string{record}, nil
			}
			vs, err := dkim.VerifyWithOptions(strings.NewReader(string(raw)), &dkim.VerifyOptions{LookupTXT: lookup})
			if err != nil || len(vs) != 1 || vs[0].Err != nil {
				t.Logf("%s", raw)
				t.Fatalf("verification: %v %+v", err, vs)
			}
			signed := strings.ToLower(strings.Join(vs[0].HeaderKeys, ":"))
			for _, h := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} {
				if !strings.Contains(":"+signed+":", ":"+h+":") {
					t.Errorf("signature does not cover %s (h=%s)", h, signed)
				}
			}
		})
	}
}

func TestDKIMBadKeys(t *testing.T) {
	dir := t.TempDir()
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.MarshalPKCS8PrivateKey(weak)
	weakFile := filepath.Join(dir, "weak.pem")
	os.WriteFile(weakFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	cases := map[string]string{weakFile: "2048", junk: "PEM", filepath.Join(dir, "missing.pem"): "no such file"}
	for file, want := range cases {
		if _, err := LoadDKIM(file, "example.test", "s"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error mentioning %q", filepath.Base(file), err, want)
		}
	}
}

// BenchmarkDKIMSign writes a lesson-sized message (about 25 KB) without a
// signature and with each kind of key: what signing in dripcourse, rather
// than at the relay, costs a message.
func BenchmarkDKIMSign(b *testing.B) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	line := "A line of a lesson, about seventy characters long, give or take it.\n"
	msg := &Message{FromAddr: "c@example.test", ToAddr: "r@example.org", Subject: "Lesson", MessageID: "m@example.test",
		Date: time.Now(), Text: strings.Repeat(line, 120), HTML: strings.Repeat("<p>"+line+"</p>", 200)}
	signers := map[string]*DKIM{"unsigned": nil}
	for kind, k := range map[string][2]any{"rsa": {rsaKey, &rsaKey.PublicKey}, "ed25519": {edKey, edPub}} {
		file, _ := writeKey(b, k[0], k[1], kind)
		d, err := LoadDKIM(file, "example.test", "s2026")
		if err != nil {
			b.Fatal(err)
		}
		signers[kind] = d
	}
	for _, kind := range []string{"unsigned", "ed25519", "rsa"} {
		b.Run(kind, func(b *testing.B) {
			for b.Loop() {
				if _, err := wire(msg, signers[kind]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

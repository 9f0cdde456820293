package provider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testTopic   = "arn:aws:sns:eu-west-1:111122223333:dripcourse-bounces"
	testCertURL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000test.pem"
)

// snsFixture stands in for Amazon SNS: an RSA key, a self-signed
// certificate for it, and an httptest TLS server that serves the
// certificate and answers subscription confirmations. Its client sends
// every request, whatever the host, to that server over TLS, the way the
// injected client of a deployment reaches Amazon.
type snsFixture struct {
	key      *rsa.PrivateKey
	srv      *httptest.Server
	client   *http.Client
	mu       sync.Mutex
	pems     map[string][]byte // path → body
	fetches  atomic.Int32      // certificate requests
	confirms atomic.Int32      // ConfirmSubscription requests
}

func newSNSFixture(t *testing.T) *snsFixture {
	t.Helper()
	f := &snsFixture{key: newRSAKey(t), pems: map[string][]byte{}}
	f.serve("/SimpleNotificationService-0000test.pem", selfSigned(t, f.key, testNow.Add(-24*time.Hour), testNow.Add(365*24*time.Hour)))
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.srv.Close)
	tr := f.srv.Client().Transport.(*http.Transport).Clone()
	addr := f.srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig.ServerName = "example.com" // the name in httptest's certificate
	f.client = &http.Client{Transport: tr, Timeout: 5 * time.Second}
	return f
}

func (f *snsFixture) serve(path string, body []byte) {
	f.mu.Lock()
	f.pems[path] = body
	f.mu.Unlock()
}

func (f *snsFixture) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("Action") == "ConfirmSubscription" {
		f.confirms.Add(1)
		w.Write([]byte("<ConfirmSubscriptionResponse/>"))
		return
	}
	f.fetches.Add(1)
	f.mu.Lock()
	body, ok := f.pems[r.URL.Path]
	f.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

// ses builds the SES provider against the fixture at testNow.
func (f *snsFixture) ses(t *testing.T, edit ...func(*SESConfig)) *SES {
	t.Helper()
	cfg := SESConfig{TopicARNs: []string{testTopic}, Client: f.client, Now: func() time.Time { return testNow }}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := NewSES(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// notification is a signed SNS Notification carrying message.
func (f *snsFixture) notification(t *testing.T, message, version string) map[string]string {
	env := map[string]string{
		"Type": "Notification", "MessageId": "5f1a0c1e-0000-4000-8000-000000000001", "TopicArn": testTopic,
		"Message": message, "Timestamp": "2026-03-10T11:59:30.000Z", "SignatureVersion": version,
		"SigningCertURL": testCertURL, "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
	}
	sign(t, env, f.key)
	return env
}

// sign signs env as SNS does. The string to sign is built here on its
// own from the documented field lists, not with the code under test.
func sign(t *testing.T, env map[string]string, key *rsa.PrivateKey) {
	t.Helper()
	keys := []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	if env["Type"] != "Notification" {
		keys = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	}
	var s string
	for _, k := range keys {
		if v, ok := env[k]; ok {
			s += k + "\n" + v + "\n"
		}
	}
	var sig []byte
	var err error
	if env["SignatureVersion"] == "2" {
		d := sha256.Sum256([]byte(s))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	} else {
		d := sha1.Sum([]byte(s))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA1, d[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	env["Signature"] = base64.StdEncoding.EncodeToString(sig)
}

func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// selfSigned is a PEM certificate for key, valid from notBefore to
// notAfter.
func selfSigned(t *testing.T, key *rsa.PrivateKey, notBefore, notAfter time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: notBefore, NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

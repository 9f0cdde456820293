package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce/bouncetest"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/smtptest"
	"github.com/dripcourse/dripcourse/internal/token"
)

const (
	bounceDomain  = "bounces.example.test"
	rawToken      = "raw-bounce-token-0123456789abcdef"
	genericSecret = "generic-webhook-secret-0123456789"
	sesTopic      = "arn:aws:sns:eu-west-1:111122223333:dripcourse-bounces"
	sesCertURL    = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"

	bounceAdminPassword = "bounce admin password"
)

// bounceHarness is the product wired as serve wires it with bounces on:
// VERP return addresses, the SMTP receiver on loopback, the raw endpoint
// and the generic and SES webhooks, SES's certificates fetched from a
// stand-in for Amazon.
type bounceHarness struct {
	*harness
	rcv    string // the receiver's address
	snsKey *rsa.PrivateKey
}

func newBounceHarness(t *testing.T) *bounceHarness {
	t.Helper()
	h := newHarness(t, map[string]string{"DRIP_BOUNCE_DOMAIN": bounceDomain, "DRIP_BOUNCE_TOKEN": rawToken,
		"DRIP_BOUNCE_WEBHOOK_SECRET": genericSecret, "DRIP_SES_TOPIC_ARNS": sesTopic, "DRIP_SOFT_BOUNCE_LIMIT": "3",
		"DRIP_ADMIN_PASSWORD": bounceAdminPassword})
	b := &bounceHarness{harness: h, snsKey: testRSAKey(t)}
	h.app.bounceHTTP = amazonStandIn(t, selfSignedPEM(t, b.snsKey, h.clock.Now()))
	h.web.Close()
	h.web = httptest.NewServer(h.app.webServer().Handler)
	t.Cleanup(h.web.Close)
	h.app.cfg.BounceSMTPAddr = "127.0.0.1:0"
	ln, err := listenBounces(h.app.cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := h.app.startReceiver(ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	b.rcv = ln.Addr().String()
	return b
}

// firstLessons signs up and confirms readers and sends their first
// lessons, and returns each reader's lesson as the relay received it.
func (b *bounceHarness) firstLessons(emails ...string) map[string]smtptest.Message {
	b.t.Helper()
	for _, e := range emails {
		b.signup(e, "", "UTC")
	}
	b.confirmAll()
	b.pass()
	got := map[string]smtptest.Message{}
	for _, m := range b.smtp.Messages() {
		got[m.To[0]] = m
	}
	if len(got) != len(emails) {
		b.t.Fatalf("%d first lessons sent, want %d", len(got), len(emails))
	}
	b.smtp.Reset()
	return got
}

// original is what a report quotes of a lesson the relay received.
func original(m smtptest.Message) bouncetest.Original {
	return bouncetest.Original{ReturnPath: m.From, Recipient: m.To[0], MessageID: strings.Trim(m.Header().Get("Message-ID"), "<>")}
}

// verpRef checks that a message's envelope sender is a return address on
// the bounce domain and returns the delivery its token names.
func (b *bounceHarness) verpRef(m smtptest.Message) token.BounceRef {
	b.t.Helper()
	local, domain, ok := strings.Cut(m.From, "@")
	if !ok || domain != bounceDomain {
		b.t.Fatalf("MAIL FROM %q is not on %s", m.From, bounceDomain)
	}
	ref, err := b.app.links.Signer().ParseBounceLocalPart(local)
	if err != nil {
		b.t.Fatalf("MAIL FROM %q: %v", m.From, err)
	}
	return ref
}

// deliver sends data to the bounce receiver over SMTP, from the null
// sender as bounces come, and returns the server's answer.
func (b *bounceHarness) deliver(rcpt string, data []byte) error {
	c, err := smtp.Dial(b.rcv)
	if err != nil {
		b.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.example.net"); err != nil {
		return err
	}
	if err := c.Mail(""); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (b *bounceHarness) status(email string) drip.Status {
	b.t.Helper()
	return subscriberStatus(b.t, b.app, email)
}

// reportCount is how many reports are kept about a reader.
func (b *bounceHarness) reportCount(email string) int {
	b.t.Helper()
	s, err := b.app.db.SubscriberByEmail(context.Background(), email)
	if err != nil {
		b.t.Fatal(err)
	}
	rs, err := b.app.db.ReportsOf(context.Background(), s.ID)
	if err != nil {
		b.t.Fatal(err)
	}
	return len(rs)
}

// amazonStandIn is an HTTP client that takes every request, whatever its
// host, to a TLS server on loopback that serves pem as SNS's signing
// certificate: the deployment's guarded client reaches Amazon instead.
func amazonStandIn(t *testing.T, pem []byte) *http.Client {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ".pem") {
			w.Write(pem)
			return
		}
		w.Write([]byte("<ConfirmSubscriptionResponse/>"))
	}))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	tr.TLSClientConfig.ServerName = "example.com" // the name in httptest's certificate
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// selfSignedPEM is a certificate for key, valid for a year around now.
func selfSignedPEM(t *testing.T, key *rsa.PrivateKey, now time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: now.Add(-180 * 24 * time.Hour), NotAfter: now.Add(180 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// snsNotification is an SNS Notification carrying message, signed with
// key (SignatureVersion 2) as SNS signs: the documented fields, each name
// and value on a line of its own.
func snsNotification(t *testing.T, key *rsa.PrivateKey, certURL, message string) map[string]string {
	t.Helper()
	env := map[string]string{"Type": "Notification", "MessageId": "11111111-2222-4333-8444-555555555555", "TopicArn": sesTopic,
		"Message": message, "Timestamp": "2026-12-01T15:00:00.000Z", "SignatureVersion": "2", "SigningCertURL": certURL,
		"UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"}
	var s strings.Builder
	for _, k := range []string{"Message", "MessageId", "Timestamp", "TopicArn", "Type"} {
		s.WriteString(k + "\n" + env[k] + "\n")
	}
	d := sha256.Sum256([]byte(s.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	env["Signature"] = base64.StdEncoding.EncodeToString(sig)
	return env
}

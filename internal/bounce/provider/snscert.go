package provider

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// HTTPClient makes the outbound requests SES verification needs (the
// signing certificate, the subscription confirmation). *http.Client
// satisfies it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// defaultClient fetches with a timeout and follows no redirect: SNS
// serves its certificates directly, and a redirect could lead off
// Amazon's hosts.
func defaultClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

const (
	maxCertBytes = 64 << 10
	maxCerts     = 32
)

// certCache keeps the signing certificates already fetched, by URL. SNS
// signs with few certificates and changes them rarely, so the cache stays
// small; a certificate is checked for validity at every use.
type certCache struct {
	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// get returns the certificate at u, fetching it through client on a miss.
func (c *certCache) get(ctx context.Context, client HTTPClient, u *url.URL) (*x509.Certificate, error) {
	key := u.String()
	c.mu.Lock()
	cert, ok := c.certs[key]
	c.mu.Unlock()
	if ok {
		return cert, nil
	}
	cert, err := fetchCert(ctx, client, u)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.certs == nil || len(c.certs) >= maxCerts {
		c.certs = map[string]*x509.Certificate{}
	}
	c.certs[key] = cert
	return cert, nil
}

// fetchCert downloads and parses one PEM certificate with an RSA key.
func fetchCert(ctx context.Context, client HTTPClient, u *url.URL) (*x509.Certificate, error) {
	body, err := fetch(ctx, client, u, maxCertBytes)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: ses: %s holds no PEM certificate", ErrUnauthenticated, u.Redacted())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: ses: certificate at %s: %w", ErrUnauthenticated, u.Redacted(), err)
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("%w: ses: certificate at %s has no RSA key", ErrUnauthenticated, u.Redacted())
	}
	return cert, nil
}

// fetch GETs u through client and returns at most max bytes of a 200
// answer. The request must end on an SNS host, even after redirects the
// client chose to follow. A failure to reach SNS is ErrUnavailable, so
// that SNS retries.
func fetch(ctx context.Context, client HTTPClient, u *url.URL, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: ses: %w", ErrUnavailable, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: ses: fetching %s: %w", ErrUnavailable, u.Host, err)
	}
	defer resp.Body.Close()
	if resp.Request != nil && resp.Request.URL != nil {
		if _, err := snsURL(resp.Request.URL.String(), "redirected URL"); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: ses: %s answered %s", ErrUnavailable, u.Host, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: ses: reading from %s: %w", ErrUnavailable, u.Host, err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w: ses: %s sent more than %d bytes", ErrUnauthenticated, u.Host, max)
	}
	return body, nil
}

// checkValid refuses a certificate outside its validity period.
func checkValid(cert *x509.Certificate, now time.Time) error {
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w: ses: signing certificate is valid from %s to %s, not now", ErrUnauthenticated,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	}
	return nil
}

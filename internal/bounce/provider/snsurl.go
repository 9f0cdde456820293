package provider

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// snsHost matches Amazon SNS's regional endpoints, which serve the signing
// certificates and the subscription confirmations:
// sns.<region>.amazonaws.com, GovCloud's sns.us-gov-west-1.amazonaws.com,
// and China's sns.cn-north-1.amazonaws.com.cn. A region is two letters,
// an optional "-gov", a direction and a number. The whole host must
// match: "sns.us-east-1.amazonaws.com.evil.com" and "evilamazonaws.com"
// do not.
var snsHost = regexp.MustCompile(`^sns\.(?:[a-z]{2}(?:-gov)?-[a-z]+-[0-9]{1,2}\.amazonaws\.com|cn-[a-z]+-[0-9]{1,2}\.amazonaws\.com\.cn)$`)

// snsURL checks that raw is an https URL on an Amazon SNS host, with no
// user information and no port other than 443, and returns it parsed.
// what names the field, for the error.
func snsURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: ses: %s is not a URL", ErrUnauthenticated, what)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("%w: ses: %s scheme %q is not https", ErrUnauthenticated, what, short(u.Scheme, maxShort))
	}
	if u.User != nil || u.Opaque != "" {
		return nil, fmt.Errorf("%w: ses: %s carries user information or an opaque part", ErrUnauthenticated, what)
	}
	if p := u.Port(); p != "" && p != "443" {
		return nil, fmt.Errorf("%w: ses: %s names port %q", ErrUnauthenticated, what, short(p, maxShort))
	}
	host := strings.ToLower(u.Hostname())
	if !snsHost.MatchString(host) {
		return nil, fmt.Errorf("%w: ses: %s host %q is not an Amazon SNS host", ErrUnauthenticated, what, short(host, 253))
	}
	return u, nil
}

// certURL checks a SigningCertURL: an SNS URL whose path names a .pem
// file, as SNS's certificate URLs all do.
func certURL(raw string) (*url.URL, error) {
	u, err := snsURL(raw, "SigningCertURL")
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, ".pem") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: ses: SigningCertURL path %q is not a certificate file", ErrUnauthenticated, short(u.EscapedPath(), 200))
	}
	return u, nil
}

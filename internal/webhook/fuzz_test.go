package webhook

import (
	"encoding/base64"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzVerify(f *testing.F) {
	secret := Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Add("msg_1", "-1", "v1, v1,,, v1a,=", []byte{})
	f.Add("", "99999999999999999999", "v1,AAAA v2,BBBB", []byte("x"))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{HeaderID: {id}, HeaderTimestamp: {ts}, HeaderSignature: {sig}}
		now := time.Unix(1614265330, 0)
		if Verify(secret, h, body, now, 0) != nil {
			return
		}
		unix, _ := strconv.ParseInt(ts, 10, 64)
		key, _ := secret.key()
		want := "v1," + base64.StdEncoding.EncodeToString(mac(key, id, unix, body))
		if !slices.Contains(strings.Fields(sig), want) {
			t.Fatalf("accepted %q without the right signature", sig)
		}
	})
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/x", "http://localhost:8080/", "https://[::ffff:10.0.0.1]/",
		"https://user@h/", "https://0x7f.1/", "https://2130706433/", "HTTPS://H%00/"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, allowPrivate bool) {
		if ValidateURL(raw, allowPrivate) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.User != nil || u.Hostname() == "" {
			t.Fatalf("accepted %q", raw)
		}
		if allowPrivate {
			return
		}
		if u.Scheme != "https" || isLocalhost(u.Hostname()) {
			t.Fatalf("accepted %q without private destinations", raw)
		}
		if a, err := netip.ParseAddr(u.Hostname()); err == nil && newGuard(false).check(a) != nil {
			t.Fatalf("accepted the refused address in %q", raw)
		}
	})
}

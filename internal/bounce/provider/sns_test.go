package provider

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
)

func sesPost(t *testing.T, s *SES, body []byte) ([]bounce.Report, error) {
	t.Helper()
	return s.Reports(httptest.NewRequest("POST", "/webhooks/ses", nil), body)
}

func TestSESVerifiesBothSignatureVersions(t *testing.T) {
	f := newSNSFixture(t)
	s := f.ses(t)
	for _, version := range []string{"1", "2"} {
		reports, err := sesPost(t, s, jsonBody(t, f.notification(t, readFile(t, "ses-bounce.json"), version)))
		if err != nil {
			t.Fatalf("version %s: %v", version, err)
		}
		if len(reports) != 2 {
			t.Fatalf("version %s: %d reports, want 2", version, len(reports))
		}
	}
	if n := f.fetches.Load(); n != 1 {
		t.Errorf("certificate fetched %d times, want 1 (cached)", n)
	}
}

func TestStringToSignIsAsDocumented(t *testing.T) {
	subject := "Amazon SES Email Event Notification"
	m := &snsMessage{Type: "Notification", MessageID: "id-1", TopicArn: testTopic, Subject: &subject,
		Message: "{\"a\":1}\nline", Timestamp: "2026-03-10T11:59:30.000Z"}
	got, err := stringToSign(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "Message\n{\"a\":1}\nline\nMessageId\nid-1\nSubject\nAmazon SES Email Event Notification\n" +
		"Timestamp\n2026-03-10T11:59:30.000Z\nTopicArn\n" + testTopic + "\nType\nNotification\n"
	if string(got) != want {
		t.Errorf("string to sign:\n%q\nwant\n%q", got, want)
	}
	c := &snsMessage{Type: "UnsubscribeConfirmation", MessageID: "id-2", TopicArn: testTopic, Token: "tok",
		Message: "bye", SubscribeURL: "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription", Timestamp: "t"}
	got, _ = stringToSign(c)
	want = "Message\nbye\nMessageId\nid-2\nSubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription\n" +
		"Timestamp\nt\nToken\ntok\nTopicArn\n" + testTopic + "\nType\nUnsubscribeConfirmation\n"
	if string(got) != want {
		t.Errorf("string to sign:\n%q\nwant\n%q", got, want)
	}
}

func TestSESSubjectIsSignedWhenPresent(t *testing.T) {
	f := newSNSFixture(t)
	env := f.notification(t, readFile(t, "ses-delivery.json"), "2")
	env["Subject"] = "Amazon SES Email Event Notification"
	sign(t, env, f.key)
	if _, err := sesPost(t, f.ses(t), jsonBody(t, env)); err != nil {
		t.Fatalf("signed message with a Subject refused: %v", err)
	}
	env["Subject"] = "Edited"
	if _, err := sesPost(t, f.ses(t), jsonBody(t, env)); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("edited Subject: err %v, want ErrUnauthenticated", err)
	}
}

func TestSESRefusals(t *testing.T) {
	f := newSNSFixture(t)
	other := newRSAKey(t)
	f.serve("/expired.pem", selfSigned(t, f.key, testNow.Add(-48*time.Hour), testNow.Add(-time.Hour)))
	f.serve("/future.pem", selfSigned(t, f.key, testNow.Add(time.Hour), testNow.Add(48*time.Hour)))
	f.serve("/garbage.pem", []byte("not a certificate"))
	bounceMsg := readFile(t, "ses-bounce.json")
	tests := []struct {
		name string
		edit func(env map[string]string)
		want error
	}{
		{"bad signature", func(e map[string]string) { e["Signature"] = "AAAA" + e["Signature"][4:] }, ErrUnauthenticated},
		{"signature not base64", func(e map[string]string) { e["Signature"] = "%%%" }, ErrUnauthenticated},
		{"tampered message", func(e map[string]string) {
			e["Message"] = strings.Replace(e["Message"], "Reader.One", "someone.else", 1)
		}, ErrUnauthenticated},
		{"tampered timestamp", func(e map[string]string) { e["Timestamp"] = "2026-03-10T12:00:00.000Z" }, ErrUnauthenticated},
		{"wrong key", func(e map[string]string) { sign(t, e, other) }, ErrUnauthenticated},
		{"version 1 signature claimed as 2", func(e map[string]string) { e["SignatureVersion"] = "2" }, ErrUnauthenticated},
		{"unknown signature version", func(e map[string]string) { e["SignatureVersion"] = "3" }, ErrUnauthenticated},
		{"no signature (raw delivery)", func(e map[string]string) { delete(e, "Signature") }, ErrUnauthenticated},
		{"no certificate URL", func(e map[string]string) { delete(e, "SigningCertURL") }, ErrUnauthenticated},
		{"foreign topic", func(e map[string]string) {
			e["TopicArn"] = "arn:aws:sns:eu-west-1:999999999999:theirs"
			sign(t, e, f.key)
		}, ErrForbidden},
		{"expired certificate", func(e map[string]string) { e["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/expired.pem" }, ErrUnauthenticated},
		{"certificate not yet valid", func(e map[string]string) { e["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/future.pem" }, ErrUnauthenticated},
		{"certificate garbage", func(e map[string]string) { e["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/garbage.pem" }, ErrUnauthenticated},
		{"certificate missing", func(e map[string]string) { e["SigningCertURL"] = "https://sns.eu-west-1.amazonaws.com/gone.pem" }, ErrUnavailable},
		{"unknown type", func(e map[string]string) { e["Type"] = "Gossip"; sign(t, e, f.key) }, ErrMalformed},
		{"no message id", func(e map[string]string) { delete(e, "MessageId"); sign(t, e, f.key) }, ErrMalformed},
		{"signed message is not JSON", func(e map[string]string) { e["Message"] = "{not json"; sign(t, e, f.key) }, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := f.notification(t, bounceMsg, "1")
			tc.edit(env)
			reports, err := sesPost(t, f.ses(t), jsonBody(t, env))
			if !errors.Is(err, tc.want) || len(reports) != 0 {
				t.Fatalf("got %d reports, err %v; want none and %v", len(reports), err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "provider: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestSESCertificateHost checks the host rule on signed messages: the
// certificate URL is not itself signed, so the rule is all that stands
// between a forger and a certificate of their own.
func TestSESCertificateHost(t *testing.T) {
	f := newSNSFixture(t)
	refused := []string{
		"https://sns.evil.com/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-0000test.pem",
		"https://evilamazonaws.com/SimpleNotificationService-0000test.pem",
		"https://sns.evilamazonaws.com/SimpleNotificationService-0000test.pem",
		"https://amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://s3.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com./SimpleNotificationService-0000test.pem",
		"https://sns.cn-north-1.amazonaws.com.cn.evil.com/SimpleNotificationService-0000test.pem",
		"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://evil.com/sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-0000test.pem",
		"https://evil.com#@sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://evil.com?@sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://evil.com\\@sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com%2eevil.com/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0000test.pem",
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem?x=.pem",
		"https://sns.us-east-1.amazonaws.com/redirect?to=evil.com",
		"//sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"sns.us-east-1.amazonaws.com/SimpleNotificationService-0000test.pem",
		"file:///etc/passwd.pem",
	}
	s := f.ses(t)
	for _, u := range refused {
		env := f.notification(t, readFile(t, "ses-bounce.json"), "1")
		env["SigningCertURL"] = u
		reports, err := sesPost(t, s, jsonBody(t, env))
		if !errors.Is(err, ErrUnauthenticated) || len(reports) != 0 {
			t.Errorf("%s: %d reports, err %v; want refused", u, len(reports), err)
		}
	}
	if n := f.fetches.Load(); n != 0 {
		t.Errorf("%d certificate fetches for refused hosts, want 0", n)
	}
	for _, host := range []string{"sns.us-east-1.amazonaws.com", "sns.us-gov-west-1.amazonaws.com",
		"sns.cn-north-1.amazonaws.com.cn", "sns.cn-northwest-1.amazonaws.com.cn", "sns.ap-southeast-2.amazonaws.com",
		"sns.eu-central-2.amazonaws.com"} {
		env := f.notification(t, readFile(t, "ses-bounce.json"), "2")
		env["SigningCertURL"] = "https://" + host + "/SimpleNotificationService-0000test.pem"
		if _, err := sesPost(t, s, jsonBody(t, env)); err != nil {
			t.Errorf("%s refused: %v", host, err)
		}
	}
}

func TestSESSubscriptionConfirmation(t *testing.T) {
	f := newSNSFixture(t)
	var got []Confirmation
	s := f.ses(t, func(c *SESConfig) {
		c.AutoConfirm = true
		c.OnConfirmation = func(_ context.Context, c Confirmation) { got = append(got, c) }
	})
	confirm := func(typ, subscribeURL string) map[string]string {
		env := map[string]string{
			"Type": typ, "MessageId": "c0ffee00-0000-4000-8000-000000000002", "Token": "2336412f37fb687f5d51e6e241d09c805",
			"TopicArn": testTopic, "Message": "You have chosen to subscribe to the topic " + testTopic + ".",
			"SubscribeURL": subscribeURL, "Timestamp": "2026-03-10T11:00:00.000Z", "SignatureVersion": "1",
			"SigningCertURL": testCertURL,
		}
		sign(t, env, f.key)
		return env
	}
	good := "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=" + testTopic + "&Token=2336412f"
	if reports, err := sesPost(t, s, jsonBody(t, confirm("SubscriptionConfirmation", good))); err != nil || len(reports) != 0 {
		t.Fatalf("confirmation: %d reports, err %v", len(reports), err)
	}
	if f.confirms.Load() != 1 || len(got) != 1 || !got[0].Confirmed || got[0].TopicARN != testTopic {
		t.Fatalf("confirmation not fetched or not told: confirms=%d told=%+v", f.confirms.Load(), got)
	}
	// SNS never signs a foreign SubscribeURL; if one came, it is not fetched.
	evil := "https://sns.eu-west-1.amazonaws.com.evil.com/?Action=ConfirmSubscription"
	if _, err := sesPost(t, s, jsonBody(t, confirm("SubscriptionConfirmation", evil))); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("foreign SubscribeURL: err %v, want ErrUnauthenticated", err)
	}
	if f.confirms.Load() != 1 || got[1].Confirmed || got[1].Err == nil {
		t.Fatalf("foreign SubscribeURL fetched or reported confirmed: %+v", got[1])
	}
	if _, err := sesPost(t, s, jsonBody(t, confirm("UnsubscribeConfirmation", good))); err != nil {
		t.Fatal(err)
	}
	if f.confirms.Load() != 1 || got[2].Type != "UnsubscribeConfirmation" || got[2].Confirmed {
		t.Fatalf("an unsubscribe confirmation re-subscribed: %+v", got[2])
	}
	tampered := confirm("SubscriptionConfirmation", good)
	tampered["SubscribeURL"] = good + "&x=1"
	if _, err := sesPost(t, s, jsonBody(t, tampered)); !errors.Is(err, ErrUnauthenticated) || len(got) != 3 {
		t.Fatalf("tampered SubscribeURL: err %v, told %d times", err, len(got))
	}
}

func TestNewSESNeedsTopics(t *testing.T) {
	if _, err := NewSES(SESConfig{}); err == nil {
		t.Fatal("NewSES took an empty topic allowlist")
	}
	if _, err := NewSES(SESConfig{TopicARNs: []string{"dripcourse-bounces"}}); err == nil {
		t.Fatal("NewSES took a topic name that is not an ARN")
	}
}

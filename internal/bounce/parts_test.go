package bounce

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadHeaderLenient(t *testing.T) {
	raw := "From sender@example.org Mon Jan  1 00:00:00 2024\r\n" +
		"Subject : first\r\n" +
		"X-Folded: one\r\n\t two\r\n   three\r\n" +
		"Received: a\r\n" +
		"This line is not a field\r\n" +
		"Later: ignored\r\n"
	h, body := readHeader([]byte(raw))
	want := header{{"Subject", "first"}, {"X-Folded", "one two three"}, {"Received", "a"}}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("header = %q, want %q", h, want)
	}
	if !strings.HasPrefix(string(body), "This line is not a field") {
		t.Fatalf("body = %q, want it to start at the first non-field line", body)
	}
}

func TestFieldBlocks(t *testing.T) {
	raw := "Reporting-MTA: dns; a\n\n\n  \nFinal-Recipient: rfc822; x@example.org\njunk line\n" +
		"Status: 5.1.1\n\nFinal-Recipient: rfc822; y@example.org\n"
	got := fieldBlocks([]byte(raw), 100)
	if len(got) != 3 || got[1].get("Status") != "5.1.1" || got[2].get("Final-Recipient") == "" {
		t.Fatalf("blocks = %q", got)
	}
	if n := len(fieldBlocks([]byte(strings.Repeat("A: b\n\n", 1000)), 10)); n != 10 {
		t.Fatalf("kept %d blocks of one field, want 10", n)
	}
}

func TestDSNRecipientsWithoutBlankLines(t *testing.T) {
	// Some servers run the blocks together; each repeated Final-Recipient
	// starts the next recipient.
	raw := "Reporting-MTA: dns; a\nFinal-Recipient: rfc822; x@example.org\nAction: failed\nStatus: 5.1.1\n" +
		"Final-Recipient: rfc822; y@example.org\nAction: failed\nStatus: 5.2.2\n"
	_, rs := dsnRecipients(fieldBlocks([]byte(raw), 100))
	if len(rs) != 2 || dsnAddress(rs[1].final) != "y@example.org" || rs[1].status != "5.2.2" {
		t.Fatalf("recipients = %+v", rs)
	}
}

func TestSplitMultipart(t *testing.T) {
	body := "preamble\n--b\nA\n--bb\nnot a delimiter\n--b  \nB\r\n--b--\nepilogue\n--b\nC\n"
	got := splitMultipart([]byte(body), "b", 10)
	want := []string{"A\n--bb\nnot a delimiter", "B"}
	if len(got) != len(want) {
		t.Fatalf("parts = %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("part %d = %q, want %q", i, got[i], want[i])
		}
	}
	trunc := splitMultipart([]byte("--b\nfirst\n--b\nsecond, cut sh"), "b", 10)
	if len(trunc) != 2 || string(trunc[1]) != "second, cut sh" {
		t.Fatalf("truncated parts = %q", trunc)
	}
}

func TestDecoders(t *testing.T) {
	if got := string(decodeBase64([]byte("SGVs\r\nbG8g*d29y!bGQ=\ntrailing"))); got != "Hello world" {
		t.Errorf("base64 = %q", got)
	}
	if got := string(decodeBase64([]byte("SGVsbG8"))); got != "Hello" {
		t.Errorf("unpadded base64 = %q", got)
	}
	if got := string(decodeQP([]byte("a=3Db=\r\nc=ZZd=4"))); got != "a=bc=ZZd=4" {
		t.Errorf("quoted-printable = %q", got)
	}
	if got := toUTF8([]byte("B\xfcro"), "ISO-8859-1"); got != "Büro" {
		t.Errorf("latin-1 = %q", got)
	}
	if got := toUTF8([]byte("B\xc3\xbcro"), "iso-8859-1"); got != "Büro" {
		t.Errorf("UTF-8 mislabelled latin-1 = %q", got)
	}
	if got := decodeWords("=?x-unknown?Q?Out_of_Office?="); got != "Out of Office" {
		t.Errorf("encoded word in an unknown charset = %q", got)
	}
	got := htmlText("<style>p{}</style><p>a&amp;b</p><script>x()</script>c<br/>d<unclosed")
	if got != "\na&b\nc\nd" {
		t.Errorf("html = %q", got)
	}
}

func TestReply(t *testing.T) {
	cases := []struct{ text, status, diag string }{
		{"host x said: 550 5.1.1 <a@b.example>: no such user\n    in table\n\nnext", "5.1.1", "550 5.1.1 <a@b.example>: no such user in table"},
		{"Remote Server returned '550 5.1.10 RESOLVER; couldn't find it'\nOriginal", "5.1.10", "550 5.1.10 RESOLVER; couldn't find it"},
		{"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", "5.1.1", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found"},
		{"Remote host said: 550 no\nGiving up on 192.0.2.1.", "5.0.0", "550 no"},
		{"no code here", "", ""},
	}
	for _, c := range cases {
		st, diag := reply(c.text)
		if st != c.status || diag != c.diag {
			t.Errorf("reply(%q) = %q, %q; want %q, %q", c.text, st, diag, c.status, c.diag)
		}
	}
}

func TestVerpToken(t *testing.T) {
	const d = "bounces.example.com"
	cases := map[string]string{
		"b+Tok_en-1@bounces.example.com":                "Tok_en-1",
		"<b+Tok@BOUNCES.example.com.>":                  "Tok",
		`"Course" <b+Tok@bounces.example.com>`:          "Tok",
		"x@example.org, b+Two@bounces.example.com":      "Two",
		"b+Tok@bounces.example.com.evil.example.net":    "",
		"b+Tok@example.com":                             "",
		"ab+Tok@bounces.example.com":                    "",
		"c+Tok@bounces.example.com":                     "",
		"b+@bounces.example.com":                        "",
		"b+Other@elsewhere.example, b+Ours@" + d:        "Ours",
		"for <b+Tok@bounces.example.com>; Tue, 5 Mar 2": "Tok",
	}
	for in, want := range cases {
		if got := verpToken(in, d); got != want {
			t.Errorf("verpToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNoTokenWithoutDomain(t *testing.T) {
	rs, err := Parse(dsnWith(1), Options{})
	if err != nil || rs[0].Token != "" {
		t.Fatalf("Parse without a bounce domain = %+v, %v; want no token", rs, err)
	}
}

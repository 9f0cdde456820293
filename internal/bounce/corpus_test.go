package bounce

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The corpus: testdata/NAME.eml is one message as a mail system sends it,
// written for this package from each format's documented structure;
// testdata/NAME.json is what Parse must make of it.

// golden is one message's expectation.
type golden struct {
	// Domain is the bounce domain passed to Parse; testDomain when empty.
	Domain string `json:"domain,omitempty"`
	// Envelope is the SMTP envelope recipient passed to Parse.
	Envelope string `json:"envelope,omitempty"`
	// Error is "too-large", "not-message" or "not-report" when Parse must
	// fail.
	Error   string         `json:"error,omitempty"`
	Reports []goldenReport `json:"reports"`
}

type goldenReport struct {
	Recipient    string `json:"recipient"`
	Status       string `json:"status"`
	Action       string `json:"action"`
	Kind         Kind   `json:"kind"`
	OurSending   bool   `json:"our_sending"`
	Token        string `json:"token"`
	MessageID    string `json:"message_id"`
	Diagnostic   string `json:"diagnostic"` // a prefix of the report's
	Source       string `json:"source"`
	FeedbackType string `json:"feedback_type"`
	At           string `json:"at,omitempty"` // RFC 3339, checked when set
}

const testDomain = "bounces.example.com"

var errNames = map[string]error{
	"too-large": ErrTooLarge, "not-message": ErrNotMessage, "not-report": ErrNotReport,
}

// corpus returns the names of the corpus messages, without extension.
func corpus(t testing.TB) []string {
	files, err := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in testdata: %v", err)
	}
	for i, f := range files {
		files[i] = strings.TrimSuffix(f, ".eml")
	}
	return files
}

func loadGolden(t *testing.T, name string) golden {
	t.Helper()
	b, err := os.ReadFile(name + ".json")
	if err != nil {
		t.Fatalf("every corpus message needs its expectation: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var g golden
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("%s.json: %v", name, err)
	}
	if g.Domain == "" {
		g.Domain = testDomain
	}
	return g
}

func TestCorpus(t *testing.T) {
	names := corpus(t)
	if len(names) < 30 {
		t.Errorf("corpus has %d messages, want at least 30", len(names))
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			raw, err := os.ReadFile(name + ".eml")
			if err != nil {
				t.Fatal(err)
			}
			g := loadGolden(t, name)
			got, err := Parse(raw, Options{Domain: g.Domain, Envelope: g.Envelope})
			checkError(t, g, err)
			if len(got) != len(g.Reports) {
				t.Fatalf("got %d reports, want %d:\n%s", len(got), len(g.Reports), dump(got))
			}
			for i, want := range g.Reports {
				checkReport(t, i, got[i], want)
			}
		})
	}
}

func checkError(t *testing.T, g golden, err error) {
	t.Helper()
	if g.Error == "" {
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		return
	}
	want, ok := errNames[g.Error]
	if !ok {
		t.Fatalf("unknown error name %q in golden", g.Error)
	}
	if !errors.Is(err, want) {
		t.Fatalf("Parse error = %v, want %v", err, want)
	}
}

func checkReport(t *testing.T, i int, got Report, want goldenReport) {
	t.Helper()
	fields := []struct{ name, got, want string }{
		{"recipient", got.Recipient, want.Recipient},
		{"status", got.Status, want.Status},
		{"action", got.Action, want.Action},
		{"kind", string(got.Kind), string(want.Kind)},
		{"token", got.Token, want.Token},
		{"message_id", got.MessageID, want.MessageID},
		{"source", got.Source, want.Source},
		{"feedback_type", got.FeedbackType, want.FeedbackType},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("report %d: %s = %q, want %q", i, f.name, f.got, f.want)
		}
	}
	if got.OurSending != want.OurSending {
		t.Errorf("report %d: our_sending = %v, want %v", i, got.OurSending, want.OurSending)
	}
	if !strings.HasPrefix(got.Diagnostic, want.Diagnostic) || want.Diagnostic == "" && got.Diagnostic != "" {
		t.Errorf("report %d: diagnostic = %q, want prefix %q", i, got.Diagnostic, want.Diagnostic)
	}
	if want.At != "" && got.At.Format(time.RFC3339) != want.At {
		t.Errorf("report %d: at = %s, want %s", i, got.At.Format(time.RFC3339), want.At)
	}
}

func dump(rs []Report) string {
	b, _ := json.MarshalIndent(rs, "", "  ")
	return string(b)
}

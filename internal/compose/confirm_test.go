package compose

import (
	"bytes"
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/links"
	"github.com/dripcourse/dripcourse/internal/mailer"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/token"
)

// TestConfirmationCarriesNoName writes a confirmation as it goes on the
// wire: whatever name was typed into the form appears nowhere in it, not
// even as the To header's display name. Anyone can type anyone's address.
func TestConfirmationCarriesNoName(t *testing.T) {
	crs, err := course.Load(dripcourse.BuiltInCourse("rebuilding-trust"))
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := render.Load(dripcourse.Templates())
	if err != nil {
		t.Fatal(err)
	}
	c := &Composer{Links: links.NewMaker("https://course.example.test", token.NewSigner(make([]byte, 32))), FromAddr: "c@example.test"}
	name := "Visit cheap-pills example"
	sub := drip.Subscriber{ID: 7, Email: "victim@example.org", Name: name}
	m, err := c.Confirmation(&Content{Set: course.NewSet(crs), Templates: tpl}, crs, sub, "m1@example.test", time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, err := mailer.NewOutbox(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	if len(files) != 1 {
		t.Fatalf("%d messages in the outbox", len(files))
	}
	raw, _ := os.ReadFile(files[0])
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if to := msg.Header.Get("To"); to != "<victim@example.org>" && to != "victim@example.org" {
		t.Errorf("To: %q, want the bare address", to)
	}
	if strings.Contains(string(raw), "cheap-pills") {
		t.Error("the name typed into the form is in the confirmation email")
	}
}

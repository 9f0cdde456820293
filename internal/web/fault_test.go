package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/store"
)

func TestSignupWhileDatabaseFails(t *testing.T) {
	for name, fault := range map[string]store.Fault{"read-only": store.ReadOnly, "disk full": store.DiskFull} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			if err := f.db.InjectFault(context.Background(), fault); err != nil {
				t.Fatal(err)
			}
			var res *http.Response
			var page string
			for i := 0; i < 60 && (res == nil || res.StatusCode == 200); i++ { // until a new page is needed
				res, page = f.do("POST", "/subscribe", f.form(strings.Repeat("x", i)+"sam@example.com", 5*time.Second))
			}
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(page, "try again") || strings.Contains(page, "sqlite") {
				t.Fatalf("status %d; want 503 with a friendly page and no internals", res.StatusCode)
			}
			f.db.InjectFault(context.Background(), store.NoFault)
			if res, _ := f.do("POST", "/subscribe", f.form("later@example.com", 5*time.Second)); res.StatusCode != 200 || f.status("later@example.com") == "" {
				t.Fatal("signups did not recover when the fault cleared")
			}
		})
	}
}

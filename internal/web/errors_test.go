package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/schedule"
	"github.com/dripcourse/dripcourse/internal/store"
)

// Bad input and a wrong state are different answers: a request that is
// wrong whenever it comes is a 400, one the present state refuses a 409.
func TestAnswersTellBadInputFromWrongState(t *testing.T) {
	s := &Server{}
	r := httptest.NewRequest(http.MethodPost, "/admin/readers/1/pause", nil)
	for _, c := range []struct {
		err  error
		want int
	}{
		{fmt.Errorf("import: line 1: %w", drip.ErrInvalid), http.StatusBadRequest},
		{fmt.Errorf("reader is bounced: %w", drip.ErrConflict), http.StatusConflict},
		{store.ErrNotActive, http.StatusConflict},
		{store.ErrInFlight, http.StatusConflict},
		{schedule.ErrReceived, http.StatusConflict},
		{schedule.ErrBlocked, http.StatusConflict},
		{fmt.Errorf("store: reader 7: %w", drip.ErrNotFound), http.StatusNotFound},
	} {
		a := s.answerFor(r, c.err)
		if a.Status != c.want || a.Reader == "" || a.Operator == "" {
			t.Errorf("%v: answered %d (reader %q, operator %q), want %d with both sentences", c.err, a.Status, a.Reader, a.Operator, c.want)
		}
	}
}

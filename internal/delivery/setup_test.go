package delivery

import (
	"testing"
	"time"

	"github.com/dripcourse/dripcourse/internal/mailer"
)

// A pass ends in error when every send failed on our side, not when one
// refused send merely finished after the others got through: sends finish
// in any order across connections.
func TestSetupGateReportsOnlyAPassWithNothingThrough(t *testing.T) {
	refused := &mailer.Error{Code: 421, Text: "too many connections", Temporary: true, Stage: mailer.StageMail}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

	g := newSetupGate(4)
	g.ok()
	if due, stop := g.failed(refused, now); stop != nil || !due.Equal(now.Add(setupPause)) {
		t.Fatalf("one 421 among four connections: due %v, stop %v; want a minute's wait and no stop", due, stop)
	}
	if err := g.unresolved(); err != nil {
		t.Fatalf("a pass where a send got through ended with %v", err)
	}

	g = newSetupGate(4)
	g.failed(refused, now)
	if err := g.unresolved(); err == nil {
		t.Fatal("a pass whose only send was refused ended without an error")
	}

	g = newSetupGate(2)
	g.failed(refused, now)
	if _, stop := g.failed(refused, now); stop == nil {
		t.Fatal("as many refusals in a row as connections did not stop the pass")
	}
}

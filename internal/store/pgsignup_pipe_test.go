package store

import (
	"context"
	"testing"
)

// TestAFailedSignupFailsAlone: a group of signups that fails (one name
// holds a byte PostgreSQL refuses in text) is run again one signup at a
// time, so only the bad one fails; the connections it ran on come back to
// the pool outside a transaction, and the next signups go through.
func TestAFailedSignupFailsAlone(t *testing.T) { stores(t, testAFailedSignupFailsAlone) }

func testAFailedSignupFailsAlone(t *testing.T) {
	postgresOnly(t, "SQLite's signups are not pipelined, and it keeps any text")
	db := open(t)
	bad := signup("bad@example.org", t0)
	bad.Name = "Sam\x00"
	group := []signupReq{
		{s: signup("a@example.org", t0), box: "a", resp: make(chan signupResp, 1)},
		{s: bad, box: "b", resp: make(chan signupResp, 1)},
		{s: signup("c@example.org", t0), box: "c", resp: make(chan signupResp, 1)},
	}
	db.commitSignups(group)
	for i, req := range group {
		r := <-req.resp
		switch {
		case i == 1 && r.err == nil:
			t.Errorf("the bad signup went through: %+v", r.res)
		case i != 1 && (r.err != nil || r.res.SubscriberID == 0):
			t.Errorf("signup %s: %+v, %v; want it through", req.s.Email, r.res, r.err)
		}
	}
	for _, email := range []string{"d@example.org", "e@example.org", "f@example.org", "g@example.org", "h@example.org"} {
		if res, err := db.Subscribe(context.Background(), signup(email, t0)); err != nil || res.SubscriberID == 0 {
			t.Fatalf("signup after the failed group: %+v, %v", res, err)
		}
	}
}

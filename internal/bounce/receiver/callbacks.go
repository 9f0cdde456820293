package receiver

import (
	"context"
	"fmt"
	"runtime/debug"
)

// valid asks Config.Valid about a local part. A panic in it is the
// caller's bug: it is logged with its stack and answered as a failure to
// check (451), so that the client tries again rather than losing a bounce.
func (s *Server) valid(local string) (ok bool, err error) {
	defer s.contain("Valid", &err)
	return s.cfg.Valid(local), nil
}

// accept hands a message to Config.Accept, containing a panic as valid
// does.
func (s *Server) accept(ctx context.Context, m Message) (err error) {
	defer s.contain("Accept", &err)
	return s.cfg.Accept(ctx, m)
}

// contain turns a panic in the named callback into an error.
func (s *Server) contain(name string, err *error) {
	if p := recover(); p != nil {
		s.cfg.Log.Error("bounce receiver: "+name+" panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = fmt.Errorf("receiver: %s panicked: %v", name, p)
	}
}

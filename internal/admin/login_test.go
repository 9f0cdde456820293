package admin

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// The login page offers nothing but the login: no menu of pages the
// visitor cannot open yet.
func TestLoginPageHasNoMenu(t *testing.T) {
	a := newAdmin(t)
	for _, path := range []string{"/admin/login", "/admin/login?done=logout", "/admin/no-such-page"} {
		if _, page := a.get(path); strings.Contains(page, `href="/admin/readers"`) || strings.Contains(page, "Log out") {
			t.Errorf("%s shows the admin menu to a visitor who is not logged in", path)
		}
	}
	if _, page := a.post("/admin/login", url.Values{"password": {"wrong"}}); strings.Contains(page, "Log out") {
		t.Error("a failed login's page shows the admin menu")
	}
	a.login()
	for _, path := range []string{"/admin", "/admin/no-such-page"} {
		if _, page := a.get(path); !strings.Contains(page, `href="/admin/readers"`) || !strings.Contains(page, "Log out") {
			t.Errorf("%s lacks the menu for a logged-in operator", path)
		}
	}
}

// A login's log line names the client's address once, as it is.
func TestLoginLogLine(t *testing.T) {
	var logs bytes.Buffer
	a := newAdmin(t, func(s *Server) { s.Log = slog.New(slog.NewTextHandler(&logs, nil)) })
	a.post("/admin/login", url.Values{"password": {"wrong"}})
	a.login()
	for _, msg := range []string{`msg="admin login failed"`, `msg="admin login"`} {
		var line string
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, msg+" ") {
				line = l
			}
		}
		if line == "" || strings.Count(line, "127.0.0.1") != 1 || !strings.Contains(line, " ip=127.0.0.1") || strings.Contains(line, "admin-login") {
			t.Errorf("log line for %s: %q; want the address once, as ip=127.0.0.1", msg, line)
		}
	}
}

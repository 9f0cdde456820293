package admin

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// publishDraft publishes unit's drafts through the publish page as name.
func (a *admin) publishDraft(unit, name string) {
	a.t.Helper()
	_, page := a.get("/admin/content/" + unit + "/publish")
	res, _ := a.post("/admin/content/"+unit+"/publish", url.Values{"shown": {shownHash(a.t, page)}, "name": {name}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		a.t.Fatalf("publish: %d", res.StatusCode)
	}
}

// TestRollbackThroughTheHistory: the history lists who published what
// and when, compares two versions, and publishes an older one again
// after the same impact summary; the content in use is the old again.
func TestRollbackThroughTheHistory(t *testing.T) {
	a := newContentAdmin(t)
	a.reader("ann@example.com")
	a.draft("rebuilding-trust", lesson2, "When people hear", newWords+" When people hear")
	a.publishDraft("rebuilding-trust", "Ann Operator")
	_, page := a.get("/admin/content/rebuilding-trust/history")
	for _, want := range []string{"<td>Ann Operator</td>", "<td>the files on the server</td>", lesson2 + " (changed)",
		`href="/admin/content/rebuilding-trust/republish/1"`, `<label for="diff-from">Older version</label>`} {
		if !strings.Contains(page, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	_, diff := a.get("/admin/content/rebuilding-trust/diff?from=1&to=2")
	if !strings.Contains(diff, "Version 1 compared with version 2") || !strings.Contains(diff, `<tr class="ins">`) || !strings.Contains(diff, newWords) {
		t.Errorf("the diff of 1 and 2 lacks the change:\n%s", diff)
	}
	res, page := a.get("/admin/content/rebuilding-trust/republish/1")
	if res.StatusCode != 200 || !strings.Contains(page, "1 reader gets lesson 2") || !strings.Contains(page, `<tr class="del">`) ||
		!strings.Contains(page, "Publish version 1 again</button>") {
		t.Fatalf("rollback page: %d\n%s", res.StatusCode, page)
	}
	res, _ = a.post("/admin/content/rebuilding-trust/republish/1", url.Values{"shown": {shownHash(t, page)}, "name": {"Bea"}})
	if res.StatusCode != http.StatusUnprocessableEntity || len(a.versionsOf("rebuilding-trust")) != 2 {
		t.Fatalf("a rollback without the confirmation: %d", res.StatusCode)
	}
	res, _ = a.post("/admin/content/rebuilding-trust/republish/1", url.Values{"shown": {shownHash(t, page)}, "name": {"Bea"}, "confirm": {"yes"}})
	vs := a.versionsOf("rebuilding-trust")
	if res.StatusCode != http.StatusSeeOther || len(vs) != 3 || vs[0].By != "Bea" || vs[0].Hash != vs[2].Hash {
		t.Fatalf("rollback: %d, versions %+v", res.StatusCode, vs)
	}
	if strings.Contains(a.inUse("why-trust-breaks"), newWords) {
		t.Error("the rolled back lesson is still in use")
	}
	if res, page := a.get("/admin/content/rebuilding-trust/republish/3"); res.StatusCode != 200 || !strings.Contains(page, "nothing to publish") {
		t.Errorf("republishing the latest: %d", res.StatusCode)
	}
}

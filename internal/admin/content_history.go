package admin

import (
	"context"
	"net/http"
	"strconv"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/store"
)

// maxHistory is how many versions the history page lists, newest first.
const maxHistory = 100

// historyData is the history page of a unit.
type historyData struct {
	Unit, UnitTitle string
	Versions        []historyLine
	Published       int // the version a publish just made; 0 for none
	From, To        int // the diff form's choices
	Diff            string
	Publish         string
}

// historyLine is one published version.
type historyLine struct {
	store.Version
	Changed   []string // the files it changed from the version before
	Republish string   // the rollback page; "" for the latest
}

func (s *Server) historyPage(w http.ResponseWriter, r *http.Request) {
	unit := unitOfURL(r)
	lines, err := s.history(r.Context(), unit)
	if err == nil && len(lines) == 0 {
		err = drip.ErrNotFound
	}
	if err != nil {
		s.adminFail(w, r, err)
		return
	}
	hd := &historyData{Unit: unit, UnitTitle: s.unitHeading(unit), Versions: lines, Diff: contentURL(unit, "diff", ""),
		Publish: contentURL(unit, "publish", ""), To: lines[0].Number, From: max(lines[0].Number-1, 1)}
	if n, err := strconv.Atoi(r.URL.Query().Get("published")); err == nil && n > 0 {
		hd.Published = n
	}
	s.adminRender(w, r, http.StatusOK, "content_history", &adminPage{Title: "History of " + hd.UnitTitle, Section: "content", Data: hd})
}

// history lists unit's versions, newest first, each with the files it
// changed.
func (s *Server) history(ctx context.Context, unit string) ([]historyLine, error) {
	vs, err := s.DB.Versions(ctx, unit)
	if err != nil {
		return nil, err
	}
	vs = vs[:min(len(vs), maxHistory)]
	out := make([]historyLine, len(vs))
	var newer store.Files
	for i := len(vs) - 1; i >= 0; i-- {
		_, files, err := s.DB.VersionFiles(ctx, unit, vs[i].Number)
		if err != nil {
			return nil, err
		}
		out[i] = historyLine{Version: vs[i]}
		for _, c := range fileChanges(newer, files, "", "") {
			out[i].Changed = append(out[i].Changed, c.Path+" ("+c.Kind+")")
		}
		if i > 0 {
			out[i].Republish = contentURL(unit, "republish", strconv.Itoa(vs[i].Number))
		}
		newer = files
	}
	return out, nil
}

// diffData is the page that compares two versions.
type diffData struct {
	Unit, UnitTitle string
	From, To        int
	Changes         []fileChange
	History         string
}

func (s *Server) diffPage(w http.ResponseWriter, r *http.Request) {
	unit := unitOfURL(r)
	from, err1 := strconv.Atoi(r.URL.Query().Get("from"))
	to, err2 := strconv.Atoi(r.URL.Query().Get("to"))
	if err1 != nil || err2 != nil || from < 1 || to < 1 {
		s.adminError(w, r, http.StatusBadRequest, "Choose two versions to compare, by their numbers, on the history page.")
		return
	}
	_, a, err := s.DB.VersionFiles(r.Context(), unit, from)
	if err == nil {
		var b store.Files
		if _, b, err = s.DB.VersionFiles(r.Context(), unit, to); err == nil {
			dd := &diffData{Unit: unit, UnitTitle: s.unitHeading(unit), From: from, To: to, Changes: fileChanges(a, b, "Version "+strconv.Itoa(from), "Version "+strconv.Itoa(to)), History: contentURL(unit, "history", "")}
			s.adminRender(w, r, http.StatusOK, "content_history_diff", &adminPage{Title: "Compare versions", Section: "content", Data: dd})
			return
		}
	}
	s.adminFail(w, r, err)
}

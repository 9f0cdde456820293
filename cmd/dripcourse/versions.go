package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dripcourse/dripcourse"
	"github.com/dripcourse/dripcourse/internal/compose"
	"github.com/dripcourse/dripcourse/internal/render"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/versions"
)

// byDisk names the publisher of versions that came from the lessons and
// templates on disk (or built into the binary).
const byDisk = "disk"

// loader loads published content, with the built-in templates for pages
// an older templates version lacks.
func loader() versions.Loader { return versions.Loader{Defaults: dripcourse.Templates()} }

// loadUnits is loader's Load for the admin's content editor, within the
// render bounds (render.Within): an edit in the browser can hold a
// template that loops.
func loadUnits(ctx context.Context, units versions.Units) (*compose.Content, error) {
	out := make(chan *compose.Content, 1)
	err := render.Within(ctx, render.RenderTimeout, "the lessons and templates", func() error {
		ct, err := loader().Load(units)
		out <- ct
		return err
	})
	if err != nil {
		return nil, err
	}
	return <-out, nil
}

// publishedContent returns the content to serve: the latest published
// versions, once the content on disk (disk, or diskErr when it did not
// load) is published if it changed since disk last published it. With
// seed false nothing is published. With nothing published at all, the
// disk's content serves, or its problems stop the command.
func (a *app) publishedContent(ctx context.Context, disk *compose.Content, diskErr error, seed bool) (*compose.Content, error) {
	switch {
	case diskErr != nil:
		a.log.Warn("the lessons or templates on disk have problems, so they are not published", "problems", diskErr.Error())
	case seed:
		if err := a.publishDisk(ctx, disk); err != nil {
			a.log.Warn("the lessons or templates on disk were not published; serving the published versions", "problems", err.Error())
		}
	}
	snap, err := a.db.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if len(snap.Versions) == 0 {
		if diskErr != nil {
			return nil, diskErr
		}
		return disk, nil
	}
	ct, err := loader().Load(snap.Files)
	if err != nil {
		return nil, fmt.Errorf("the published content does not load with this dripcourse: %w", err)
	}
	a.stamp = snap.Stamp
	a.log.Info("serving the published content", "versions", describe(snap.Versions))
	return ct, nil
}

// publishDisk publishes, by "disk", each unit on disk whose files differ
// both from its latest version and from the last version disk published:
// an edit on disk is published, while files that disk published before
// never undo what an operator published since.
func (a *app) publishDisk(ctx context.Context, disk *compose.Content) error {
	lfs, _, tfs, _ := contentDirs(a.cfg)
	units, err := versions.FromDirs(lfs, disk.Set, tfs)
	if err != nil {
		return err
	}
	changes := map[string]store.Files{}
	for unit, files := range units {
		fresh, err := a.diskChanged(ctx, unit, files.Hash())
		if err != nil {
			return err
		}
		if fresh {
			changes[unit] = files
		}
	}
	if len(changes) == 0 {
		return nil
	}
	made, err := a.db.Publish(ctx, store.Publication{By: byDisk, At: a.now(), Changes: changes, Check: loader().Check})
	if err != nil {
		return err
	}
	for _, v := range made {
		a.log.Info("published the files on disk", "course", unitName(v.Course), "version", v.Number)
	}
	return nil
}

// diskChanged reports whether files with hash are new to unit: neither
// its latest version nor the last version disk published.
func (a *app) diskChanged(ctx context.Context, unit, hash string) (bool, error) {
	vs, err := a.db.Versions(ctx, unit)
	if err != nil || len(vs) == 0 {
		return err == nil, err
	}
	if vs[0].Hash == hash {
		return false, nil
	}
	for _, v := range vs {
		if v.By == byDisk {
			if v.Hash == hash {
				a.log.Info("the files on disk are as disk published them; an operator has published since", "course", unitName(unit),
					"disk_version", v.Number, "latest", vs[0].Number, "by", vs[0].By)
			}
			return v.Hash != hash, nil
		}
	}
	return true, nil
}

// syncContent puts the latest published content in use if anything was
// published since it last looked: one cheap query when nothing was. A
// version that does not load (published by a newer dripcourse, say) is
// kept out, and the error shown on the admin pages.
func (a *app) syncContent(ctx context.Context) error {
	a.syncing.Lock()
	defer a.syncing.Unlock()
	stamp, err := a.db.ContentStamp(ctx)
	if err != nil || stamp == a.stamp {
		return err
	}
	snap, err := a.db.Latest(ctx)
	if err != nil {
		return err
	}
	a.stamp = snap.Stamp
	ct, err := loader().Load(snap.Files)
	if err != nil {
		a.lib.Fail(err, a.now())
		a.log.Error("a published version does not load; still using the content in use", "problems", err.Error())
		return nil
	}
	a.lib.Replace(ct, a.now())
	a.log.Info("now using the published content", "versions", describe(snap.Versions))
	return nil
}

// describe lists versions as "slug 3 (ann), templates 1 (disk)".
func describe(vs map[string]store.Version) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s %d (%s)", unitName(v.Course), v.Number, v.By))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// unitName is how a unit is named to the operator.
func unitName(unit string) string {
	if unit == store.Templates {
		return "templates"
	}
	return unit
}

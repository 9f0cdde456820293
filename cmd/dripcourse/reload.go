package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"time"
)

// reloadEvery is how often the operator's directories and the published
// versions are looked at.
const reloadEvery = 2 * time.Second

// watchContent, until ctx ends, publishes an edit of the operator's
// directories that loads cleanly, and puts in use any version published
// by this instance or another (syncContent). Built-in content never
// changes, so then it only follows the published versions.
func (a *app) watchContent(ctx context.Context) {
	disk := a.cfg.Lessons != "" || a.cfg.Templates != ""
	var last uint64
	if disk {
		last = a.fingerprint()
	}
	t := time.NewTicker(reloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if disk {
			last = a.reloadIfChanged(ctx, last)
		}
		if err := a.syncContent(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("could not look for a newly published version", "err", err)
		}
	}
}

// reloadIfChanged publishes the content on disk if the directories'
// fingerprint moved on from last, puts it in use, and returns the new
// fingerprint. A broken edit is logged and kept for the admin pages; the
// last good content stays in use.
func (a *app) reloadIfChanged(ctx context.Context, last uint64) uint64 {
	fp := a.fingerprint()
	if fp == last {
		return last
	}
	ct, err := loadContent(a.cfg)
	if err == nil {
		err = a.publishDisk(ctx, ct)
	}
	if err != nil {
		a.lib.Fail(err, a.now())
		a.log.Error("lessons or templates changed but were not published; still using the last good version", "problems", err.Error())
		return fp
	}
	if err := a.syncContent(ctx); err != nil {
		a.log.Warn("published the lessons and templates on disk, but could not load them back", "err", err)
	}
	return fp
}

// fingerprint hashes the names, sizes and modification times of every
// file in the operator's directories.
func (a *app) fingerprint() uint64 {
	h := fnv.New64a()
	for _, dir := range []string{a.cfg.Lessons, a.cfg.Templates} {
		if dir == "" {
			continue
		}
		fs.WalkDir(os.DirFS(dir), ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s error;", path)
				return nil
			}
			if info, err := d.Info(); err == nil {
				fmt.Fprintf(h, "%s %s %d %d;", dir, path, info.Size(), info.ModTime().UnixNano())
			}
			return nil
		})
	}
	return h.Sum64()
}

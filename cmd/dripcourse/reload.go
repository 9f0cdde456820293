package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"time"
)

// reloadEvery is how often the operator's directories are looked at.
const reloadEvery = 2 * time.Second

// watchContent reloads the lessons and templates when a file in the
// operator's directories changes, until ctx ends. Built-in content never
// changes, so then it does nothing.
func (a *app) watchContent(ctx context.Context) {
	if a.cfg.Lessons == "" && a.cfg.Templates == "" {
		return
	}
	last := a.fingerprint()
	t := time.NewTicker(reloadEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			last = a.reloadIfChanged(last)
		}
	}
}

// reloadIfChanged reloads the content if the directories' fingerprint
// moved on from last, and returns the new fingerprint. A broken edit is
// logged and kept for the admin pages; the last good content stays in use.
func (a *app) reloadIfChanged(last uint64) uint64 {
	fp := a.fingerprint()
	if fp == last {
		return last
	}
	ct, err := loadContent(a.cfg)
	if err != nil {
		a.lib.Fail(err, time.Now())
		a.log.Error("lessons or templates changed but did not load; still using the last good version", "problems", err.Error())
		return fp
	}
	a.lib.Replace(ct, time.Now())
	a.log.Info("lessons and templates reloaded", "course", ct.Default().Title, "lessons", len(ct.Default().Lessons))
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

// Package disktest gives tests a real small disk to fill: a tmpfs of a
// given size mounted on a fresh directory, so that the store's full-disk
// paths run against ENOSPC from the kernel, not a simulation. Mounting
// needs root (or CAP_SYS_ADMIN); without it the tests that need a small
// disk skip, saying how to enable them.
package disktest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// SkipMessage says how to run the tests that fill a disk.
const SkipMessage = "mounting a small tmpfs needs root or CAP_SYS_ADMIN: run the tests as root (as in the CI container) to fill a real disk"

// Small mounts a tmpfs of size bytes on a new directory for t, unmounted
// when t ends, and returns the directory. Whatever t opens in it must be
// closed by a cleanup registered after Small.
func Small(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Skipf("%s (mount: %v)", SkipMessage, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount the test disk %s: %v", dir, err)
		}
	})
	return dir
}

// Fill writes a file in dir until the disk has no room left, and returns
// a function that removes it, giving the room back.
func Fill(t testing.TB, dir string) (release func()) {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for len(chunk) > 0 {
		if _, err := f.Write(chunk); errors.Is(err, syscall.ENOSPC) {
			chunk = chunk[:len(chunk)/2] // fill the last pages too
		} else if err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			t.Errorf("free the test disk: %v", err)
		}
	}
}

// Free is the room left on the disk that holds dir, in bytes.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// benchImport times the import command on a file of n new readers, once
// as readers who must confirm and once with --confirmed, each into a
// fresh database under dir, and reports the rate, the CPU and the WAL's
// peak size: an import must neither take long nor swell the WAL.
// With --database, each import goes into a throwaway schema of that
// PostgreSQL server instead.
func benchImport(ctx context.Context, e *env, dir string, o benchOptions) error {
	n := o.imports
	file := filepath.Join(dir, "readers.csv")
	if err := writeImportFile(file, n); err != nil {
		return err
	}
	where := "SQLite"
	if o.database != "" {
		where = "PostgreSQL"
	}
	fmt.Fprintf(e.stdout, "dripcourse bench: import of %d new readers from %s, %s\n", n, file, where)
	for _, confirmed := range []bool{false, true} {
		cfg := *e.cfg
		cfg.Data, cfg.DatabaseURL = filepath.Join(dir, fmt.Sprintf("data-%t", confirmed)), ""
		if o.database != "" {
			schemaURL, _, drop, err := throwawaySchema(ctx, o.database)
			if err != nil {
				return err
			}
			defer drop()
			cfg.DatabaseURL = schemaURL
		}
		if err := benchImportOnce(ctx, e, &cfg, file, n, confirmed, o.cpuprofile); err != nil {
			return err
		}
	}
	return nil
}

func benchImportOnce(ctx context.Context, e *env, cfg *Config, file string, n int, confirmed bool, profile string) error {
	data := cfg.Data
	var out bytes.Buffer
	stopWAL := watchSize(filepath.Join(data, "dripcourse.db-wal"))
	stopProfile, err := startProfile(profile)
	if err != nil {
		return err
	}
	cpu0, start := cpuSeconds(), time.Now()
	err = cmdImport(ctx, &env{now: e.now, cfg: cfg, stdout: &out, stderr: e.stderr}, file, importOpts{confirmed: confirmed})
	took, cpu, peak := time.Since(start), cpuSeconds()-cpu0, stopWAL()
	stopProfile()
	if err != nil {
		return fmt.Errorf("bench: import: %w\n%s", err, out.String())
	}
	if want := fmt.Sprintf(": %d added, 0 already present", n); !strings.Contains(out.String(), want) {
		return fmt.Errorf("bench: import did not add every reader:\n%s", out.String())
	}
	mode := "to confirm"
	if confirmed {
		mode = "--confirmed"
	}
	if cfg.DatabaseURL != "" {
		fmt.Fprintf(e.stdout, "import %-11s %d rows in %.2fs = %.0f rows/s; CPU %.2fs (this process)\n",
			mode+":", n, took.Seconds(), float64(n)/took.Seconds(), cpu)
		return nil
	}
	db, _ := os.Stat(filepath.Join(data, "dripcourse.db"))
	fmt.Fprintf(e.stdout, "import %-11s %d rows in %.2fs = %.0f rows/s; CPU %.2fs; peak WAL %.1f MB; database %.1f MB\n",
		mode+":", n, took.Seconds(), float64(n)/took.Seconds(), cpu, float64(peak)/(1<<20), float64(db.Size())/(1<<20))
	return nil
}

// writeImportFile writes an import file of n distinct new readers.
func writeImportFile(file string, n int) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "email,name,timezone")
	for i := range n {
		fmt.Fprintf(w, "reader%d@bench.example,Reader %d,Europe/Paris\n", i, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// watchSize samples the size of file every few milliseconds until the
// returned function is called, which reports the largest size seen.
func watchSize(file string) (stop func() int64) {
	var peak atomic.Int64
	done, stopped := make(chan struct{}), make(chan struct{})
	sample := func() {
		if st, err := os.Stat(file); err == nil && st.Size() > peak.Load() {
			peak.Store(st.Size())
		}
	}
	go func() {
		defer close(stopped)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		sample() // a file the store's Close left behind counts too
		return peak.Load()
	}
}

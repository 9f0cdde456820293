package admin

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dripcourse/dripcourse/internal/drip"
	"github.com/dripcourse/dripcourse/internal/web"
)

// An upload larger than a request can take to import runs as a job in
// the background: the upload is kept in a file of its own, imported by a
// goroutine, and its state is kept in the settings table (one row per
// job, under jobKeyPrefix), so the operator can leave its page and come
// back, on any instance, and a crash leaves a job that says it was
// interrupted, and where.
const (
	jobKeyPrefix = "admin_import:"
	// jobBeat is how often a running job writes its progress; a job not
	// heard from for jobStale was cut off (the process stopped).
	jobBeat  = 2 * time.Second
	jobStale = time.Minute
	// keptJobs is how many finished jobs the import page lists.
	keptJobs = 10
)

// Job states, as stored; "interrupted" is never stored but read from a
// running job's silence.
const (
	jobRunning     = "running"
	jobDone        = "done"
	jobFailed      = "failed"
	jobInterrupted = "interrupted"
)

// importJob is the state of one background import.
type importJob struct {
	ID        string        `json:"id"`
	File      string        `json:"file"`
	Size      int64         `json:"size"`
	Read      int64         `json:"read"` // bytes of the file read so far
	Confirmed bool          `json:"confirmed"`
	Course    string        `json:"course,omitempty"` // the course rows without one go to; "" for the default
	Spool     string        `json:"spool"`            // the uploaded copy, removed when done
	Started   time.Time     `json:"started"`
	Updated   time.Time     `json:"updated"`
	State     string        `json:"state"`
	Report    *ImportReport `json:"report,omitempty"`
	Problem   string        `json:"problem,omitempty"` // why it failed, in the operator's words
}

// status is the job's state as the operator should read it now.
func (j *importJob) status(now time.Time) string {
	if j.State == jobRunning && now.Sub(j.Updated) > jobStale {
		return jobInterrupted
	}
	return j.State
}

// Percent is how much of the file has been read.
func (j *importJob) Percent() int {
	if j.Size <= 0 {
		return 100
	}
	return int(j.Read * 100 / j.Size)
}

// importJobs runs this process's jobs; done channels let tests wait for
// one to end.
type importJobs struct {
	mu   sync.Mutex
	done map[string]chan struct{}
	// inline is the largest upload imported within its request.
	inline int64
}

// newJobID names a job so that IDs sort as the jobs started.
func newJobID(now time.Time) string {
	return now.UTC().Format("20060102T150405Z") + "-" + strings.ToLower(rand.Text()[:6])
}

// saveJob writes j's state. It runs beside the request or job that
// changed it, so it has a context of its own.
func (s *Server) saveJob(j *importJob) error {
	b, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("admin: import job: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.DB.SetSetting(ctx, jobKeyPrefix+j.ID, string(b))
}

// jobs returns the stored jobs, newest first.
func (s *Server) jobs(ctx context.Context) ([]*importJob, error) {
	rows, err := s.DB.SettingsWithPrefix(ctx, jobKeyPrefix)
	if err != nil {
		return nil, err
	}
	var out []*importJob
	for _, v := range rows {
		j := &importJob{}
		if json.Unmarshal([]byte(v), j) == nil {
			out = append(out, j)
		}
	}
	slices.SortFunc(out, func(a, b *importJob) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
}

// job returns the stored job id, or ErrNotFound.
func (s *Server) job(ctx context.Context, id string) (*importJob, error) {
	v, ok, err := s.DB.Setting(ctx, jobKeyPrefix+id)
	if err != nil {
		return nil, err
	}
	j := &importJob{}
	if !ok || json.Unmarshal([]byte(v), j) != nil {
		return nil, fmt.Errorf("admin: import job %q: %w", id, drip.ErrNotFound)
	}
	return j, nil
}

// startJob records a new job for the spooled upload and runs it in the
// background. Older finished jobs beyond keptJobs are forgotten, and the
// spools of interrupted ones on this machine removed.
func (s *Server) startJob(ctx context.Context, j *importJob) error {
	if err := s.saveJob(j); err != nil {
		return err
	}
	s.pruneJobs(ctx, j.ID)
	done := make(chan struct{})
	s.imports.mu.Lock()
	s.imports.done[j.ID] = done
	s.imports.mu.Unlock()
	go func() {
		defer close(done)
		s.runJob(j)
	}()
	return nil
}

// pruneJobs forgets the jobs beyond the newest keptJobs, other than keep.
func (s *Server) pruneJobs(ctx context.Context, keep string) {
	all, err := s.jobs(ctx)
	if err != nil {
		return
	}
	now := s.Now()
	for i, j := range all {
		if st := j.status(now); st == jobInterrupted && j.Spool != "" {
			os.Remove(j.Spool) // on this machine, if it was here
		} else if st == jobRunning || i < keptJobs || j.ID == keep {
			continue
		}
		s.DB.DeleteSetting(ctx, jobKeyPrefix+j.ID)
	}
}

// runJob imports the spooled file, writing the job's progress every
// jobBeat, and its outcome at the end.
func (s *Server) runJob(j *importJob) {
	defer os.Remove(j.Spool)
	f, err := os.Open(j.Spool)
	if err != nil {
		s.endJob(j, nil, err)
		return
	}
	defer f.Close()
	count := &countingReader{r: f}
	stop := make(chan struct{})
	var beats sync.WaitGroup
	beats.Go(func() { s.beat(j, count, stop) })
	im := s.importer(j.Course, j.Confirmed)
	rep, err := im.Import(context.Background(), count)
	close(stop)
	beats.Wait()
	j.Read = count.n.Load()
	s.endJob(j, rep, err)
}

// beat writes the job's progress until stop closes.
func (s *Server) beat(j *importJob, count *countingReader, stop <-chan struct{}) {
	t := time.NewTicker(jobBeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			j.Read, j.Updated = count.n.Load(), s.Now()
			if err := s.saveJob(j); err != nil {
				s.Log.Warn("admin: import job: progress not saved", "job", j.ID, "err", err)
			}
		}
	}
}

// endJob records a job's outcome: its report, and why it stopped early.
func (s *Server) endJob(j *importJob, rep *ImportReport, err error) {
	j.Report, j.Updated, j.State, j.Spool = rep, s.Now(), jobDone, ""
	if err != nil {
		j.State = jobFailed
		j.Problem = err.Error() // our own sentence about the file
		if !errors.Is(err, drip.ErrInvalid) {
			j.Problem = web.AnswerTo(err).Operator
		}
		s.Log.Error("admin: import job failed", "job", j.ID, "err", err)
	} else {
		s.Log.Info("admin: readers imported", "job", j.ID, "added", rep.Added, "existing", rep.Existing,
			"suppressed", rep.Suppressed, "bad", rep.Bad, "confirmed", j.Confirmed)
	}
	if err := s.saveJob(j); err != nil {
		s.Log.Error("admin: import job: outcome not saved; the job will show as interrupted", "job", j.ID, "err", err)
	}
}

// waitJob waits for this process's job id to end (for tests).
func (s *Server) waitJob(id string) {
	s.imports.mu.Lock()
	done := s.imports.done[id]
	s.imports.mu.Unlock()
	if done != nil {
		<-done
	}
}

// countingReader counts the bytes read through it, for the progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

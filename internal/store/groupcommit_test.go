package store

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// commitLog is a commit function for groupCommit's tests: each group
// reports itself on started and commits when the test releases it.
type commitLog struct {
	started chan []int
	release chan struct{}
	mu      sync.Mutex
	events  []string
}

func newCommitLog() *commitLog {
	return &commitLog{started: make(chan []int), release: make(chan struct{})}
}

func (c *commitLog) commit(group []int) {
	c.note("start %v", group)
	c.started <- group
	<-c.release
	c.note("end %v", group)
}

func (c *commitLog) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf(format, args...))
}

// TestGroupCommitOverlapsOnlyFullGroups: while a group commits, the next
// one keeps gathering, and starts beside it only once it is full; a group
// short of full starts when the other ends.
func TestGroupCommitOverlapsOnlyFullGroups(t *testing.T) {
	c := newCommitLog()
	reqs := make(chan int, 3) // a send never waits for a loop free to take it
	done := make(chan struct{})
	go func() {
		groupCommit(reqs, nil, 3, 2, c.commit)
		close(done)
	}()
	reqs <- 1
	if g := <-c.started; !slices.Equal(g, []int{1}) {
		t.Fatalf("first group %v, want [1]", g)
	}
	for _, r := range []int{2, 3, 4} {
		reqs <- r
	}
	if g := <-c.started; !slices.Equal(g, []int{2, 3, 4}) {
		t.Fatalf("with a group committing, the next started as %v, want it to wait until full: [2 3 4]", g)
	}
	c.release <- struct{}{} // [1] or [2 3 4] ends
	reqs <- 5               // waits for the other to end
	c.release <- struct{}{}
	if g := <-c.started; !slices.Equal(g, []int{5}) {
		t.Fatalf("group %v, want [5]", g)
	}
	c.release <- struct{}{}
	close(reqs)
	<-done
	c.mu.Lock()
	defer c.mu.Unlock()
	last := c.events[len(c.events)-2:]
	if !slices.Equal(last, []string{"start [5]", "end [5]"}) || !slices.Contains(c.events[:len(c.events)-2], "end [2 3 4]") {
		t.Fatalf("[5] started before both groups before it ended: %v", c.events)
	}
}

// TestGroupCommitQuitCommitsWhatItGathered: quitting while a group
// waits for another to end still commits it; no request taken is left
// unanswered.
func TestGroupCommitQuitCommitsWhatItGathered(t *testing.T) {
	c := newCommitLog()
	reqs, quit := make(chan int), make(chan struct{})
	done := make(chan struct{})
	go func() {
		groupCommit(reqs, quit, 5, 2, c.commit)
		close(done)
	}()
	reqs <- 1
	<-c.started
	reqs <- 2 // taken, and waiting for [1] to end
	close(quit)
	if g := <-c.started; !slices.Equal(g, []int{2}) {
		t.Fatalf("after quit, group %v, want [2] committed at once", g)
	}
	c.release <- struct{}{}
	c.release <- struct{}{}
	<-done
}

// TestGroupCommitAnswersEveryRequestOnce: requests from many writers,
// each committed exactly once, in groups no larger than max, with no
// more groups at once than loops.
func TestGroupCommitAnswersEveryRequestOnce(t *testing.T) {
	const writers, each, maxGroup, loops = 16, 200, 8, 3
	reqs := make(chan int)
	var mu sync.Mutex
	seen := map[int]int{}
	committing, most := 0, 0
	commit := func(group []int) {
		mu.Lock()
		committing++
		most = max(most, committing)
		if len(group) > maxGroup {
			t.Errorf("group of %d, over %d", len(group), maxGroup)
		}
		for _, r := range group {
			seen[r]++
		}
		mu.Unlock()
		mu.Lock()
		committing--
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() {
		groupCommit(reqs, nil, maxGroup, loops, commit)
		close(done)
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				reqs <- w*each + i
			}
		})
	}
	wg.Wait()
	close(reqs)
	<-done
	if len(seen) != writers*each {
		t.Fatalf("%d requests committed, want %d", len(seen), writers*each)
	}
	for r, n := range seen {
		if n != 1 {
			t.Fatalf("request %d committed %d times", r, n)
		}
	}
	if most > loops {
		t.Fatalf("%d groups committing at once, want at most %d", most, loops)
	}
}

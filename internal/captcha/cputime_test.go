package captcha

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// treeCPU is the user and system CPU time that the process pid and all its
// descendants have used, from /proc (Linux; zero elsewhere).
func treeCPU(pid int) time.Duration {
	children := map[int][]int{}
	own := map[int]time.Duration{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, cpu, ok := procStat(p)
		if ok {
			children[ppid] = append(children[ppid], p)
			own[p] = cpu
		}
	}
	var total time.Duration
	for todo := []int{pid}; len(todo) > 0; todo = todo[1:] {
		total += own[todo[0]]
		todo = append(todo, children[todo[0]]...)
	}
	return total
}

// procStat reads a process's parent and CPU time (utime + stime, in clock
// ticks of 10 ms) from /proc/<pid>/stat.
func procStat(pid int) (ppid int, cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return ppid, time.Duration(utime+stime) * 10 * time.Millisecond, true
}

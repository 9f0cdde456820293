package main

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"strings"
)

// serverCPU measures the CPU that the PostgreSQL server processes serving
// one benchmark run have used: on a machine whose cores the server shares
// with the benchmark, throughput alone hides where the work went. It
// works only when the server runs on this machine (it reads /proc);
// elsewhere it reports nothing.
type serverCPU struct {
	admin *sql.DB
	app   string // the application_name of the run's connections
}

// seconds is the CPU time, user and system, that the run's server
// processes have used so far, and whether it could be read.
func (s *serverCPU) seconds(ctx context.Context) (float64, bool) {
	if s == nil {
		return 0, false
	}
	rows, err := s.admin.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", s.app)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	total, any := 0.0, false
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return 0, false
		}
		if t, ok := procCPU(pid); ok {
			total, any = total+t, true
		}
	}
	return total, any && rows.Err() == nil
}

// procCPU reads the time a process has run on a CPU, in seconds, from
// /proc/PID/schedstat: counted in nanoseconds, where /proc/PID/stat
// counts ticks of 10 ms, far coarser than one statement.
func procCPU(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/schedstat")
	if err != nil {
		return 0, false
	}
	fields := strings.Fields(string(b))
	if len(fields) < 1 {
		return 0, false
	}
	ns, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, false
	}
	return ns / 1e9, true
}

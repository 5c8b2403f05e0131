package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"time"
)

// rssPoll is how often watchPeakRSS reads the child's status.
const rssPoll = 2 * time.Millisecond

// watchPeakRSS follows the peak resident set of process pid, read from
// VmHWM in /proc/<pid>/status until the process is gone; the returned
// func stops watching and returns the peak in KiB (0 when unknown, e.g.
// outside Linux). wait4's ru_maxrss cannot serve: os/exec starts the
// child on the parent's memory (vfork), and Linux carries the parent's
// high-water mark over the exec, so every child would report at least
// the harness's own size.
func watchPeakRSS(pid int) func() int64 {
	path := fmt.Sprintf("/proc/%d/status", pid)
	done := make(chan struct{})
	result := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(rssPoll)
		defer t.Stop()
		for {
			if kb, ok := vmHWM(path); ok && kb > peak {
				peak = kb
			}
			select {
			case <-done:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		return <-result
	}
}

// vmHWM reads the VmHWM line (kB) of a /proc/<pid>/status file.
func vmHWM(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if rest, ok := bytes.CutPrefix(sc.Bytes(), []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0, false
			}
			n, err := strconv.ParseInt(string(f[0]), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

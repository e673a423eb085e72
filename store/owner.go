package store

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// A claim names its owner: "host boot pidns pid start nonce". The host
// name, the kernel's boot ID and the process ID namespace say whether a
// process ID is comparable with ours at all (two containers may share a
// host name and not their process IDs); the process's start time tells
// it from a later process that got the same ID; the nonce tells one store
// from another in the same process. Where any of these cannot be read
// ("-"), claims wait for ClaimTimeout.
func newOwner() string {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return strings.Join([]string{
		field(host), field(bootID()), field(pidNamespace()),
		strconv.Itoa(pid), field(startTime(pid)), rand.Text()[:12],
	}, " ")
}

func field(s string) string {
	s = strings.Join(strings.Fields(s), "_")
	if s == "" {
		return "-"
	}
	return s
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

func pidNamespace() string {
	ns, _ := os.Readlink("/proc/self/ns/pid")
	return ns
}

// startTime is when the process started, in clock ticks after boot
// (field 22 of /proc/PID/stat), or "" when it can't be told.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19] // fields 3… start here: field 22 is the 20th
}

// openOwners are the owners of the stores open in this process.
var openOwners sync.Map

// dead reports whether the claim's owner is known to be gone: a process
// in our host, boot and process ID namespace that no longer runs (or whose
// ID another process now has), or a store of this process that was
// closed. Anything that can't be told is taken to be alive.
func (s *Store) dead(owner string) bool {
	f, mine := strings.Fields(owner), strings.Fields(s.owner)
	if len(f) != 6 || len(mine) != 6 || f[5] == mine[5] {
		return false
	}
	for i := range 3 { // host, boot, pid namespace
		if f[i] != mine[i] || f[i] == "-" {
			return false
		}
	}
	pid, err := strconv.Atoi(f[3])
	if err != nil || pid <= 0 || f[4] == "-" {
		return false
	}
	if f[3] == mine[3] {
		if f[4] != mine[4] {
			return true // an earlier process that had our ID
		}
		_, open := openOwners.Load(owner)
		return !open // a store of this process: dead once closed
	}
	if !running(pid) {
		return true
	}
	now := startTime(pid)
	return now != "" && now != f[4] // the ID was taken by another process
}

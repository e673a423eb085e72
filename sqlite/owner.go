package sqlite

import (
	"crypto/rand"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// newOwner names this process in the claims it takes: the host, the
// process ID, and a nonce that tells this process from an earlier one
// that had the same ID (a container's PID 1 after a restart).
func newOwner() string {
	host, _ := os.Hostname()
	host = strings.ReplaceAll(host, " ", "_")
	return fmt.Sprintf("%s %d %s", host, os.Getpid(), rand.Text()[:12])
}

// openOwners are the owners of the stores open in this process.
var openOwners sync.Map

// dead reports whether the claim's owner is a process of this host that
// is no longer running, so that its claims need not wait for
// ClaimTimeout. An owner on another host, or one that cannot be told,
// is taken to be alive.
func (s *Store) dead(owner string) bool {
	f := strings.Fields(owner)
	mine := strings.Fields(s.owner)
	if len(f) != 3 || len(mine) != 3 || f[0] != mine[0] || f[2] == mine[2] {
		return false
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return false
	}
	if strconv.Itoa(os.Getpid()) == f[1] {
		// This process, unless it is another store of it that is open:
		// then an earlier process with this process's ID.
		_, open := openOwners.Load(owner)
		return !open
	}
	return !running(pid)
}

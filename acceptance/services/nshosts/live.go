package nshosts

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// RequireLive gates tests that start real daemons in namespace hosts: they
// run with the acceptance tests (TF_ACC set, as `make test` does), so plain
// `go test ./...` stays fast. With TF_ACC set they need root and fail
// without it rather than pass by skipping.
func RequireLive(t testing.TB) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("live namespace-host test: runs with TF_ACC=1 (make test)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("namespace hosts need root (CAP_NET_ADMIN)")
	}
}

// OneClusterAtATime holds, for the rest of t, a lock shared by every test
// process of the machine: tests that run consensus clusters (etcd and
// Patroni, whose leases are seconds long) run one at a time, so that two
// packages' clusters starving each other of CPU do not fail elections the
// tests then report as failovers.
func OneClusterAtATime(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "ha-nshosts-cluster.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	})
}

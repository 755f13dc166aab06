package nshosts

import (
	"os"
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

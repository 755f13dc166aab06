package services

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/gcplocal"
)

// GCPProject is the project the local GCP endpoint is used with.
const GCPProject = "ha-local"

// startGCP builds and starts the local GCP endpoint (acceptance/gcplocal)
// on a free port, checked against the pinned discovery documents.
func startGCP(ctx context.Context, dir string) (*Process, map[string]string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("find the module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "gcplocal")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./acceptance/gcplocal/cmd/gcplocal")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("build gcplocal: %w: %s", err, out)
	}
	apiDir, err := gcplocal.ModuleDir(root)
	if err != nil {
		return nil, nil, err
	}
	port, err := FreeTCPPort()
	if err != nil {
		return nil, nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start(dir, "gcplocal", nil, bin, "-listen", addr, "-discovery", apiDir)
	if err != nil {
		return nil, nil, err
	}
	base := "http://" + addr
	if err := waitFor(ctx, p, 30*time.Second, httpOK(base+"/__health", nil)); err != nil {
		_ = p.Stop()
		return nil, nil, err
	}
	return p, map[string]string{
		"HA_GCP_COMPUTE_ENDPOINT":  base + "/compute/v1/",
		"HA_GCP_SQLADMIN_ENDPOINT": base + "/",
		"HA_GCP_DNS_ENDPOINT":      base + "/",
		"HA_GCP_PROJECT":           GCPProject,
		"HA_GCP_LOCAL_URL":         base,
		// The endpoint moves operations on per poll: out-of-process
		// providers poll it often.
		"HA_GCP_POLL_INTERVAL":                    "25ms",
		"CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE": base + "/compute/v1/",
		"CLOUDSDK_API_ENDPOINT_OVERRIDES_SQL":     base + "/",
		"CLOUDSDK_API_ENDPOINT_OVERRIDES_DNS":     base + "/dns/v1/",
	}, nil
}

package services

import (
	"context"
	"fmt"
	"os/exec"
	"time"
)

// startMoto starts the local AWS endpoint (moto_server). One server serves
// every region; POST /moto-api/reset clears it.
func startMoto(ctx context.Context, dir string) (*Process, map[string]string, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, nil, fmt.Errorf("moto_server not found on PATH (moto 5.2.1 is expected to be preinstalled): %w", err)
	}
	port, err := FreeTCPPort()
	if err != nil {
		return nil, nil, err
	}
	p, err := start(dir, "moto", nil, bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err != nil {
		return nil, nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitFor(ctx, p, 60*time.Second, httpOK(url+"/moto-api/", nil)); err != nil {
		_ = p.Stop()
		return nil, nil, err
	}
	return p, map[string]string{
		"HA_AWS_ENDPOINT":           url,
		"HA_AWS_ACCESS_KEY":         "testing",
		"HA_AWS_SECRET_KEY":         "testing",
		"AWS_EC2_METADATA_DISABLED": "true",
	}, nil
}

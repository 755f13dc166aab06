package backup_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup"
)

// startMoto runs a real moto_server for this test on a free port.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Fatalf("moto_server not on PATH (moto 5.2.1 is expected preinstalled): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	// moto_server (Python) can take over 10 s to start on a loaded machine.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); {
		if resp, err := http.Get(url + "/moto-api/"); err == nil {
			_ = resp.Body.Close()
			return url
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("moto_server did not answer")
	return ""
}

func client(t *testing.T, region string) *backup.Client {
	t.Helper()
	url := os.Getenv("HA_AWS_ENDPOINT")
	if url == "" {
		url = startMoto(t)
		t.Setenv("HA_AWS_ENDPOINT", url)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s := awsbase.NewSession(awsbase.Settings{Endpoint: url, AccessKey: "testing", SecretKey: "testing", MaxRetries: 1})
	cfg, err := s.Config(context.Background(), region)
	if err != nil {
		t.Fatal(err)
	}
	return backup.New(cfg)
}

// Against moto 5.2.1 the calls it lacks come back as ErrNotImplemented
// (which the resource turns into warnings), and the ones it has work.
func TestBackupAgainstMoto(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := client(t, "us-east-1")
	key, err := c.CreateKey(ctx, "unit-vault", map[string]string{awsbase.TagBlueprint: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.CreateVault(ctx, "unit-vault", key, map[string]string{awsbase.TagBlueprint: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	if v.KeyARN != key || v.Tags[awsbase.TagBlueprint] != "unit" {
		t.Fatalf("vault: %+v", v)
	}
	info, err := c.DescribeKey(ctx, key)
	if err != nil || info.CreatedFor != "unit-vault" || !info.Customer || !info.Enabled {
		t.Fatalf("key info %+v, %v", info, err)
	}
	p, err := c.CreatePlan(ctx, "unit-plan", backup.Rule{Name: "daily", Vault: "unit-vault", Schedule: "cron(0 3 * * ? *)", RetentionDays: 7,
		CopyVaultARN: "arn:aws:backup:us-west-2:123456789012:backup-vault:unit-vault", CopyRetentionDays: 7}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rule.Schedule != "cron(0 3 * * ? *)" || p.Rule.RetentionDays != 7 || p.Rule.CopyVaultARN == "" {
		t.Fatalf("plan read back: %+v", p.Rule)
	}
	if _, err := c.UpdatePlan(ctx, p.ID, "unit-plan", p.Rule); !errors.Is(err, backup.ErrNotImplemented) {
		t.Errorf("UpdateBackupPlan: want ErrNotImplemented from moto 5.2.1, got %v", err)
	}
	if _, err := c.CreateSelection(ctx, p.ID, backup.Selection{Name: "s", IAMRoleARN: "arn:aws:iam::123456789012:role/r", Tags: map[string]string{"a": "b"}}); !errors.Is(err, backup.ErrNotImplemented) {
		t.Errorf("CreateBackupSelection: want ErrNotImplemented from moto 5.2.1, got %v", err)
	}
	if _, err := c.StartBackupJob(ctx, "unit-vault", "arn:aws:rds:us-east-1:123456789012:db:x", "arn:aws:iam::123456789012:role/r", 7); !errors.Is(err, backup.ErrNotImplemented) {
		t.Errorf("StartBackupJob: want ErrNotImplemented from moto 5.2.1, got %v", err)
	}
	if _, err := c.LatestRecoveryPoint(ctx, "unit-vault"); !errors.Is(err, backup.ErrNotImplemented) {
		t.Errorf("ListRecoveryPointsByBackupVault: want ErrNotImplemented from moto 5.2.1, got %v", err)
	}
	if err := c.DeletePlan(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPlan(ctx, p.ID); !errors.Is(err, backup.ErrNotFound) {
		t.Errorf("deleted plan: want ErrNotFound, got %v", err)
	}
	if err := c.DeletePlan(ctx, p.ID); err != nil {
		t.Errorf("second delete is not idempotent: %v", err)
	}
	if err := c.DeleteVault(ctx, "unit-vault"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVault(ctx, "unit-vault"); err != nil {
		t.Errorf("second vault delete is not idempotent: %v", err)
	}
	if _, err := c.GetVault(ctx, "unit-vault"); !errors.Is(err, backup.ErrNotFound) {
		t.Errorf("deleted vault: want ErrNotFound, got %v", err)
	}
	if err := c.RetireKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	if keys, err := c.ListKeysTagged(ctx, awsbase.TagBlueprint, "unit"); err != nil || len(keys) != 0 {
		t.Errorf("retired key still listed as live: %v %v", keys, err)
	}
}

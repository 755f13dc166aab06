package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigShow_precedenceAndRedaction(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("aws:\n  endpoint: http://file:1\n  profile: fromfile\npowerdns:\n  api_key: s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HA_AWS_ENDPOINT", "http://env:2")
	t.Setenv("HA_SNMP_RETRIES", "3")
	code, out, errOut := run(t, "--config", file, "config", "show", "--snmp-retries", "4")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	want := map[string]string{
		"aws.endpoint":     "http://env:2", // env over file
		"aws.profile":      "fromfile",     // file over default
		"snmp.retries":     "4",            // flag over env
		"powerdns.api_key": "(sensitive)",  // never printed
	}
	for key, val := range want {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == key {
				found = true
				if f[2] != val {
					t.Errorf("%s = %q, want %q", key, f[2], val)
				}
			}
		}
		if !found {
			t.Errorf("%s missing from output:\n%s", key, out)
		}
	}
	if strings.Contains(out, "s3cret") {
		t.Error("secret printed")
	}
}

func TestConfigShow_gcpSettingsAndRedaction(t *testing.T) {
	t.Setenv("HA_CONFIG", filepath.Join(t.TempDir(), "none.yaml"))
	t.Setenv("HA_GCP_CREDENTIALS", `{"type":"service_account","private_key":"s3cret-key"}`)
	t.Setenv("HA_GCP_PROJECT", "demo-project")
	t.Setenv("HA_GCP_COMPUTE_ENDPOINT", "http://127.0.0.1:9/compute/v1/")
	code, out, errOut := run(t, "config", "show")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, want := range []string{"gcp.project", "demo-project", "gcp.compute_endpoint", "gcp.sqladmin_endpoint", "gcp.dns_endpoint", "gcp.lost_locations", "gcp.credentials"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from:\n%s", want, out)
		}
	}
	if strings.Contains(out, "s3cret") || strings.Contains(out, `"private_key"`) {
		t.Errorf("credentials printed:\n%s", out)
	}
}

func TestConfigShow_invalidExits1(t *testing.T) {
	t.Setenv("HA_CONFIG", filepath.Join(t.TempDir(), "none.yaml"))
	code, _, errOut := run(t, "config", "show", "--aws-max-retries", "99")
	if code != 1 || !strings.Contains(errOut, "aws.max_retries") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestPrecedence_flagOverEnvOverFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte("aws:\n  endpoint: http://file:1\n  max_retries: 7\npowerdns:\n  api_url: http://file:2\n  server_id: fromfile\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HA_AWS_ENDPOINT", "http://env:1")
	t.Setenv("HA_SNMP_TIMEOUT", "750ms")

	v, err := NewViper(file)
	if err != nil {
		t.Fatal(err)
	}
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	fs.String("pdns-url", "", "")
	if err := fs.Parse([]string{"--pdns-url=http://flag:3"}); err != nil {
		t.Fatal(err)
	}
	if err := v.BindPFlag("powerdns.api_url", fs.Lookup("pdns-url")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(v)
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]any{
		"env beats file":       {c.AWS.Endpoint, "http://env:1"},
		"file beats default":   {c.AWS.MaxRetries, 7},
		"flag beats file":      {c.PowerDNS.APIURL, "http://flag:3"},
		"file value kept":      {c.PowerDNS.ServerID, "fromfile"},
		"env duration parsed":  {c.SNMP.Timeout, 750 * time.Millisecond},
		"default when nothing": {c.SNMP.Community, "public"},
	}
	for name, got := range checks {
		if got[0] != got[1] {
			t.Errorf("%s: got %v, want %v", name, got[0], got[1])
		}
	}
}

func TestMissingFileIsFine(t *testing.T) {
	v, err := NewViper(filepath.Join(t.TempDir(), "nope.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(v)
	if err != nil {
		t.Fatal(err)
	}
	if c.AWS.MaxRetries != 8 || c.PowerDNS.ServerID != "localhost" || c.NUT.Timeout != 5*time.Second {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestBadFileIsAnError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("aws: [unclosed\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewViper(file); err == nil {
		t.Fatal("expected an error for malformed YAML")
	}
}

func TestValidate(t *testing.T) {
	good := Config{NUT: NUT{Timeout: time.Second}, SNMP: SNMP{Timeout: time.Second, Retries: 1}, AWS: AWS{MaxRetries: 3}}
	if errs := good.Validate(); len(errs) != 0 {
		t.Fatalf("good config rejected: %v", errs)
	}
	bad := good
	bad.AWS.Endpoint = "localhost:4566"
	bad.AWS.MaxRetries = 99
	bad.AWS.AccessKey = "only-half"
	bad.PowerDNS.APIURL = "ftp://x"
	bad.SNMP.Timeout = 0
	got := map[string]bool{}
	for _, e := range bad.Validate() {
		got[e.Key] = true
	}
	for _, k := range []string{"aws.endpoint", "aws.max_retries", "aws.secret_key", "powerdns.api_url", "snmp.timeout"} {
		if !got[k] {
			t.Errorf("no error for %s; got %v", k, got)
		}
	}
	if len(got) != 5 {
		t.Errorf("unexpected extra errors: %v", got)
	}
}

func TestEnvName(t *testing.T) {
	if got := EnvName("powerdns.api_key"); got != "HA_POWERDNS_API_KEY" {
		t.Errorf("EnvName = %q", got)
	}
	keys := Keys()
	for i := 1; i < len(keys); i++ {
		if keys[i-1] >= keys[i] {
			t.Fatalf("Keys not sorted: %v", keys)
		}
	}
}

func TestLostLocationsFromEnvironment(t *testing.T) {
	t.Setenv("HA_AWS_LOST_LOCATIONS", "us-east-1,eu-west-1")
	v, err := NewViper("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(v)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AWS.LostLocations) != 2 || c.AWS.LostLocations[0] != "us-east-1" || c.AWS.LostLocations[1] != "eu-west-1" {
		t.Fatalf("LostLocations = %q", c.AWS.LostLocations)
	}
}

func TestGCPSettings_envFileAndDeprecatedEndpoint(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("gcp:\n  project: from-file\n  dns_endpoint: http://file:3\n  endpoint: http://old:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HA_GCP_PROJECT", "from-env")
	t.Setenv("HA_GCP_SQLADMIN_ENDPOINT", "http://env:2")
	t.Setenv("HA_GCP_LOST_LOCATIONS", "europe-west1,us-central1")
	t.Setenv("HA_BARE_METAL_LOST_LOCATIONS", "dc1")
	v, err := NewViper(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(v)
	if err != nil {
		t.Fatal(err)
	}
	g := c.GCP
	if g.Project != "from-env" || g.SQLAdminEndpoint != "http://env:2" || g.DNSEndpoint != "http://file:3" {
		t.Errorf("precedence wrong: %+v", g)
	}
	if bm := c.BareMetal.LostLocations; len(bm) != 1 || bm[0] != "dc1" {
		t.Errorf("bare_metal LostLocations = %q", bm)
	}
	if len(g.LostLocations) != 2 || g.LostLocations[1] != "us-central1" {
		t.Errorf("LostLocations = %q", g.LostLocations)
	}
	if g.Compute() != "http://old:1" {
		t.Errorf("deprecated endpoint not used for compute: %q", g.Compute())
	}
	g.ComputeEndpoint = "http://new:1"
	if g.Compute() != "http://new:1" {
		t.Errorf("compute_endpoint does not win over endpoint: %q", g.Compute())
	}
}

func TestValidate_gcpCredentialsAndEndpoints(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(key, []byte(`{"type":"service_account"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base := Config{NUT: NUT{Timeout: time.Second}, SNMP: SNMP{Timeout: time.Second, Retries: 1}}
	for name, tc := range map[string]struct {
		gcp     GCP
		wantKey string // "" for valid
	}{
		"ADC":           {GCP{}, ""},
		"JSON text":     {GCP{Credentials: `{"type":"service_account"}`}, ""},
		"key file":      {GCP{Credentials: key}, ""},
		"broken JSON":   {GCP{Credentials: `{"type":`}, "gcp.credentials"},
		"missing file":  {GCP{Credentials: "/nonexistent/key.json"}, "gcp.credentials"},
		"directory":     {GCP{Credentials: t.TempDir()}, "gcp.credentials"},
		"bad compute":   {GCP{ComputeEndpoint: "127.0.0.1:9"}, "gcp.compute_endpoint"},
		"bad sqladmin":  {GCP{SQLAdminEndpoint: "ftp://x"}, "gcp.sqladmin_endpoint"},
		"bad dns":       {GCP{DNSEndpoint: "nohost"}, "gcp.dns_endpoint"},
		"good override": {GCP{ComputeEndpoint: "http://127.0.0.1:9/compute/v1/"}, ""},
	} {
		c := base
		c.GCP = tc.gcp
		errs := c.Validate()
		switch {
		case tc.wantKey == "" && len(errs) > 0:
			t.Errorf("%s: unexpected %v", name, errs)
		case tc.wantKey != "" && (len(errs) != 1 || errs[0].Key != tc.wantKey):
			t.Errorf("%s: got %v, want one error on %s", name, errs, tc.wantKey)
		}
		for _, e := range errs {
			if strings.Contains(e.Message, "service_account") {
				t.Errorf("%s: message quotes the credentials: %s", name, e.Message)
			}
		}
	}
}

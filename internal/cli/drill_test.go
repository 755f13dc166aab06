package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/dnsfailover"
	"github.com/ha-blueprints/terraform-provider-ha/internal/drill"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerdns"
)

// The command against the real PowerDNS: a real drill driven by shell
// commands reports the switch and failback; a fail step that breaks nothing
// never switches (exit 1, JSON still printed); missing flags are usage errors.
func TestDrillDNS_exitCodes(t *testing.T) {
	env := services.ForTest(t, services.PowerDNS)
	c, err := powerdns.NewClient(powerdns.Settings{APIURL: env["HA_POWERDNS_API_URL"], APIKey: env["HA_POWERDNS_API_KEY"]})
	if err != nil {
		t.Fatal(err)
	}
	b, err := drill.StartBackends("127.0.0.2", "127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	zone := fmt.Sprintf("cli%d.test.", time.Now().UnixNano())
	st, err := powerdns.NewBackend(c).Apply(context.Background(), dnsfailover.Spec{
		FQDN: "www." + zone, Zone: zone, CreateZone: true, TTL: 5,
		Targets:     []dnsfailover.Target{{Name: "east", Addresses: []string{"127.0.0.2"}}, {Name: "west", Addresses: []string{"127.0.0.3"}}},
		HealthCheck: dnsfailover.HealthCheck{Protocol: "HTTP", Port: b.Port, Path: "/", Interval: 1, Threshold: 1},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = powerdns.NewBackend(c).Delete(context.Background(), st) }()

	// A real drill through shell commands: curl stops and starts the primary.
	ctl, err := b.ServeControl()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), []string{"drill", "dns", "--server", env["HA_TEST_PDNS_DNS"], "--name", "www." + zone,
		"--fail", "curl -sf " + ctl + "/stop/0", "--restore", "curl -sf " + ctl + "/start/0", "--timeout", "20s"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d, stdout %s, stderr %s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"primary answer:  127.0.0.2", "standby answer:  127.0.0.3", "failback:", "fail     127.0.0.3", "restore  127.0.0.2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errOut.String(), "stop 127.0.0.2") {
		t.Errorf("command output not passed on: %q", errOut.String())
	}

	out.Reset()
	errOut.Reset()
	code = Execute(context.Background(), []string{"drill", "dns", "--server", env["HA_TEST_PDNS_DNS"], "--name", "www." + zone,
		"--fail", "true", "--restore", "true", "--timeout", "1500ms", "--json"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	var res drill.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, out.String())
	}
	if res.Switched || res.Primary != "127.0.0.2" || !strings.Contains(errOut.String(), "never switched") {
		t.Errorf("result %+v, stderr %s", res, errOut.String())
	}

	out.Reset()
	errOut.Reset()
	if code := Execute(context.Background(), []string{"drill", "dns", "--server", "127.0.0.1:53"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "required") {
		t.Errorf("missing flags: exit %d, stderr %s", code, errOut.String())
	}
}

// drill database refuses to start without a target or a kill command.
func TestDrillDatabaseBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"drill", "database", "--kill", "true"},
		{"drill", "database", "--dsn", "host=127.0.0.1"},
	} {
		var out, errOut bytes.Buffer
		if code := Execute(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%v: exit %d, stderr %s", args, code, errOut.String())
		}
	}
}

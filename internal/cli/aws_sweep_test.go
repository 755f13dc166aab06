package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/awstest"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
)

func TestAWSSweep(t *testing.T) {
	s, env := awstest.Start(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("HOME", t.TempDir()) // no settings file of the machine's user
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := loadbalancer.New(ctx, s, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, loadbalancer.Spec{
		Name: "clisweep-lb", Zones: []string{"us-east-1a", "us-east-1b"}, Layer: 7,
		Listeners:   []loadbalancer.Listener{{Port: 80, Protocol: "HTTP"}},
		HealthCheck: loadbalancer.HealthCheck{Protocol: "HTTP", Port: 80, Path: "/", Interval: 10, Timeout: 5, HealthyThreshold: 2, UnhealthyThreshold: 2, Matcher: "200"},
		Tags:        awsbase.Tags(nil, "clisweep", "east/web/load_balancer"),
	}); err != nil {
		t.Fatal(err)
	}
	// A database of the same blueprint: what a lost region's ha_database
	// leaves behind, which the sweep must find too.
	cfg, err := s.Config(ctx, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rds.New(cfg).Create(ctx, rds.CreateInput{
		Identifier: "clisweep-db", Engine: "postgres", InstanceClass: "db.t3.micro", AllocatedStorage: 20,
		Username: "admin1", Password: "password-1234", BackupRetentionPeriod: 1,
		Tags: awsbase.Tags(nil, "clisweep", "east/orders/database"),
	}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := Execute(ctx, args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := run("aws", "sweep", "--location", "us-east-1"); code != 2 || !strings.Contains(out, "--blueprint") {
		t.Fatalf("without a blueprint: %d %s", code, out)
	}
	code, out := run("aws", "sweep", "--blueprint", "clisweep", "--location", "us-east-1", "--dry-run")
	if code != 0 || !strings.Contains(out, "load balancer clisweep-lb") || !strings.Contains(out, "us-east-1 db instance clisweep-db") || !strings.Contains(out, "3 object(s), nothing deleted") {
		t.Fatalf("dry run: %d %s", code, out)
	}
	if code, out := run("aws", "sweep", "--blueprint", "clisweep", "--location", "us-east-1"); code != 0 || !strings.Contains(out, "3 object(s) deleted") {
		t.Fatalf("sweep: %d %s", code, out)
	}
	if code, out := run("aws", "sweep", "--blueprint", "clisweep", "--location", "us-east-1", "--dry-run"); code != 0 || !strings.Contains(out, "0 object(s)") {
		t.Fatalf("after sweep: %d %s", code, out)
	}
}

package acceptance

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/datasweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
	"github.com/ha-blueprints/terraform-provider-ha/provider"
)

// warningRecorder serves the provider and keeps the text of every warning
// it returns from ConfigureProvider, ReadResource and ApplyResourceChange,
// which the CLI prints but the test framework does not hand back.
type warningRecorder struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningRecorder) add(diags []*tfprotov6.Diagnostic) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityWarning {
			w.warnings = append(w.warnings, d.Summary+": "+d.Detail)
		}
	}
}

// take returns the warnings recorded since the last call and forgets them.
func (w *warningRecorder) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

func (w *warningRecorder) factories() map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"ha": func() (tfprotov6.ProviderServer, error) {
			inner, err := provider.NewServer("test")()
			if err != nil {
				return nil, err
			}
			return &recordingServer{ProviderServer: inner, rec: w}, nil
		},
	}
}

type recordingServer struct {
	tfprotov6.ProviderServer
	rec *warningRecorder
}

func (s *recordingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	resp, err := s.ProviderServer.ConfigureProvider(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

func (s *recordingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	resp, err := s.ProviderServer.ReadResource(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

func (s *recordingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := s.ProviderServer.ApplyResourceChange(ctx, req)
	if resp != nil {
		s.rec.add(resp.Diagnostics)
	}
	return resp, err
}

// closedEndpoint is an http://127.0.0.1 address nothing listens on: the
// lost region's API.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// expectWarnings fails unless every want is a substring of some warning.
func expectWarnings(got []string, want ...string) error {
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.Contains(g, w) {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("no warning contains %q; warnings: %q", w, got)
		}
	}
	return nil
}

// After a region is lost, its AWS API cannot be reached: refresh keeps the
// last known state with warnings, and an apply that drops the region's
// components forgets them with warnings instead of failing, in bounded
// time. The objects are still in the (unreachable) endpoint afterwards and
// are found and removed by the sweepers.
func TestAccLostRegion_unreachableLocation(t *testing.T) {
	d := newAWSData(t) // moto, a unique blueprint, and a data sweep at the end
	bp := d.blueprint
	sweepOnCleanup(t, bp, "us-east-1")
	lbName := uniqueName("lost-lb")
	dbName := uniqueName("lost-db")
	lost := closedEndpoint(t)
	rec := &warningRecorder{}

	resources := loadBalancerConfig(lbName, bp, `["us-east-1a", "us-east-1b"]`, "/health", 30, oneListener) + fmt.Sprintf(`
resource "ha_database" "test" {
  location            = "us-east-1"
  name                = %q
  component           = "east/orders/database"
  blueprint           = %q
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = "db.t3.micro"
  username            = "orders"
  password            = "correct-horse-battery"
  skip_final_snapshot = true
  deletion_protection = false
}
`, dbName, bp)
	lostProvider := fmt.Sprintf(`provider "ha" {
  aws {
    endpoint = %q
  }
}
`, lost)

	var start time.Time
	Test(t, resource.TestCase{
		PreCheck:                 func() { PreCheck(t) },
		ProtoV6ProviderFactories: rec.factories(),
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(checkNothingLeft(bp, "us-east-1"), d.checkDestroyed()),
		Steps: []resource.TestStep{
			{
				// The region is up: both are created in the local AWS endpoint.
				Config: providerBlock + resources,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("name"), knownvalue.StringExact(lbName)),
					statecheck.ExpectKnownValue("ha_database.test", tfjsonpath.New("name"), knownvalue.StringExact(dbName)),
				},
				Check: func(*terraform.State) error {
					rec.take()
					return nil
				},
			},
			{
				// The region is lost but still in the configuration: refresh
				// and plan go through, keeping the last known state, with a
				// warning per resource; nothing is planned.
				Config: lostProvider + resources,
				PreConfig: func() {
					rec.take()
					start = time.Now()
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("ha_load_balancer.test", tfjsonpath.New("name"), knownvalue.StringExact(lbName)),
					statecheck.ExpectKnownValue("ha_database.test", tfjsonpath.New("name"), knownvalue.StringExact(dbName)),
					statecheck.ExpectKnownValue("ha_database.test", tfjsonpath.New("address"), knownvalue.StringRegexp(regexp.MustCompile(`^`+dbName+`\.`))),
				},
				Check: func(*terraform.State) error {
					t.Logf("refresh and plan with us-east-1 unreachable took %.1fs", time.Since(start).Seconds())
					return expectWarnings(rec.take(),
						"AWS location us-east-1 unreachable: keeping the last known state of component east/web/load_balancer",
						"AWS location us-east-1 unreachable: keeping the last known state of component east/orders/database",
						"connection refused",
					)
				},
			},
			{
				// The region's components are dropped, as modules/stack does:
				// the apply forgets them with warnings instead of failing.
				Config: lostProvider,
				PreConfig: func() {
					rec.take()
					start = time.Now()
				},
				Check: func(s *terraform.State) error {
					t.Logf("apply dropping the lost region's components took %.1fs", time.Since(start).Seconds())
					for _, r := range []string{"ha_load_balancer.test", "ha_database.test"} {
						if _, ok := s.RootModule().Resources[r]; ok {
							return fmt.Errorf("%s is still in state", r)
						}
					}
					if err := expectWarnings(rec.take(),
						"AWS location us-east-1 unreachable: component east/web/load_balancer (load balancer "+lbName+") was removed from the Terraform state without being deleted",
						"AWS location us-east-1 unreachable: component east/orders/database (database "+dbName+") was removed from the Terraform state without being deleted",
						"terraform-provider-ha aws sweep --blueprint "+bp+" --location us-east-1",
					); err != nil {
						return err
					}
					return sweepLeftovers(lbName, dbName, bp)
				},
			},
		},
	})
}

// sweepLeftovers checks that the objects forgotten while their location
// was unreachable are still in the endpoint, then removes them with the
// sweepers and checks that they are gone.
func sweepLeftovers(lbName, dbName, bp string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := awsTestSession()
	locs := []string{"us-east-1"}
	left, err := sweep.Leftovers(ctx, s, locs, bp)
	if err != nil {
		return err
	}
	if !containsString(left, "us-east-1 load balancer "+lbName) {
		return fmt.Errorf("load balancer %s not left in the endpoint (it was never deleted): %q", lbName, left)
	}
	data, err := datasweep.Find(ctx, s, locs, bp)
	if err != nil {
		return err
	}
	found := false
	for _, l := range data {
		found = found || (l.Kind == "db_instance" && l.ID == dbName)
	}
	if !found {
		return fmt.Errorf("database %s not left in the endpoint (it was never deleted): %v", dbName, data)
	}
	if err := sweep.Sweep(ctx, s, locs, bp); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if _, err := datasweep.Sweep(ctx, s, locs, bp); err != nil {
		return fmt.Errorf("data sweep: %w", err)
	}
	if left, err := sweep.Leftovers(ctx, s, locs, bp); err != nil || len(left) > 0 {
		return fmt.Errorf("after sweep: %q, %w", left, err)
	}
	if data, err := datasweep.Find(ctx, s, locs, bp); err != nil || len(data) > 0 {
		return fmt.Errorf("after data sweep: %v, %w", data, err)
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// With the region declared lost (aws lost_locations), no call is made to it
// at all: dropping its components forgets them with warnings although the
// endpoint is up and would have deleted them, so they are still there.
func TestAccLostRegion_declaredLost(t *testing.T) {
	d := newAWSData(t)
	bp := d.blueprint
	sweepOnCleanup(t, bp, "us-east-1")
	lbName := uniqueName("decl-lb")
	dbName := uniqueName("decl-db")
	rec := &warningRecorder{}
	resources := loadBalancerConfig(lbName, bp, `["us-east-1a", "us-east-1b"]`, "/health", 30, oneListener) + fmt.Sprintf(`
resource "ha_database" "test" {
  location            = "us-east-1"
  name                = %q
  component           = "east/orders/database"
  blueprint           = %q
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = "db.t3.micro"
  username            = "orders"
  password            = "correct-horse-battery"
  skip_final_snapshot = true
  deletion_protection = false
}
`, dbName, bp)
	declared := `provider "ha" {
  aws {
    lost_locations = ["us-east-1"]
  }
}
`
	Test(t, resource.TestCase{
		PreCheck:                 func() { PreCheck(t) },
		ProtoV6ProviderFactories: rec.factories(),
		CheckDestroy:             resource.ComposeAggregateTestCheckFunc(checkNothingLeft(bp, "us-east-1"), d.checkDestroyed()),
		Steps: []resource.TestStep{
			{Config: providerBlock + resources, Check: func(*terraform.State) error { rec.take(); return nil }},
			{
				Config:    declared,
				PreConfig: func() { rec.take() },
				Check: func(s *terraform.State) error {
					for _, r := range []string{"ha_load_balancer.test", "ha_database.test"} {
						if _, ok := s.RootModule().Resources[r]; ok {
							return fmt.Errorf("%s is still in state", r)
						}
					}
					if err := expectWarnings(rec.take(),
						"component east/web/load_balancer (load balancer "+lbName+") was removed from the Terraform state without being deleted",
						"component east/orders/database (database "+dbName+") was removed from the Terraform state without being deleted",
						"declared lost",
					); err != nil {
						return err
					}
					// Still there: the endpoint was never asked to delete them.
					return sweepLeftovers(lbName, dbName, bp)
				},
			},
		},
	})
}

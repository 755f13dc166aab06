package acceptance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
)

// hybridConfig is modules/stack with the addresses PowerDNS answers for
// the AWS region (an ALB has a name, not stable addresses); the GCP
// region's is its forwarding rule's, which the module fills in.
func hybridConfig(bpPath string) string {
	return stackRoot(bpPath, acceptanceArgs+`
  dns_addresses       = { east = ["192.0.2.10"] }`, `
output "gcp_load_balancers" {
  value = module.stack.gcp_load_balancers
}
`)
}

// The stock hybrid-aws-gcp blueprint through modules/stack: the same web
// tier in an AWS region (us-east-1, primary) and a GCP region
// (europe-west1, standby), and a PowerDNS failover name over the two.
// First a variant whose database replicates from AWS to GCP is refused at
// plan time with the blueprint's file:line and what to do instead. Then
// apply: the AWS SDK sees the ALB and Auto Scaling group in us-east-1,
// gcloud the managed instance group and forwarding rule in europe-west1,
// PowerDNS one LUA record answering the AWS address while it is healthy
// and the GCP load balancer's after; the next plan is empty; destroy
// leaves nothing in either cloud nor in the zone.
func TestAccHybrid_awsGCPThroughStack(t *testing.T) {
	PreCheck(t)
	env := UseServices(t, services.Moto, services.PowerDNS)
	useGCP(t)
	name := "hy" + strings.ToLower(acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum))
	stock, err := os.ReadFile(filepath.Join(RepoRoot(), "blueprints", "stock", "hybrid-aws-gcp.ha.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(strings.ReplaceAll(string(stock), "example.com", name+".test"), "hybrid", name)
	dir := t.TempDir()

	// Cross-cloud replication: a plan-time error at the replication block.
	bad := text + `
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.micro"
  replication {
    mode    = "async"
    regions = [region.belgium]
  }
}
`
	badPath := filepath.Join(dir, "bad.ha.hcl")
	if err := os.WriteFile(badPath, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	badLine := strings.Count(bad[:strings.Index(bad, "regions = [region.belgium]")], "\n") + 1
	for _, d := range []string{"bad", "good"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	badTF := newCLI(t, CLIs(t)[0], filepath.Join(dir, "bad"), hybridConfig(badPath))
	out, err := badTF.try("plan", "-input=false")
	if err == nil || !strings.Contains(out, "Cross-cloud replication") || !strings.Contains(out, "declare a database per cloud") ||
		!regexp.MustCompile(regexp.QuoteMeta(badPath)+`:`+fmt.Sprint(badLine)+`\b`).MatchString(out) {
		t.Errorf("plan of cross-cloud replication: want an error at %s:%d saying what to do instead, got %v:\n%s", badPath, badLine, err, out)
	}

	bpPath := filepath.Join(dir, "bp.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	tf := newCLI(t, CLIs(t)[0], filepath.Join(dir, "good"), hybridConfig(bpPath))
	t.Cleanup(func() {
		if t.Failed() {
			_, _ = tf.try("destroy", "-auto-approve", "-input=false")
			sweepAll(t, name)
		}
	})
	started := time.Now()
	tf.apply()
	t.Logf("apply: %.1fs", time.Since(started).Seconds())
	st := tf.state()
	lb := func(k string) string { return `module.stack.ha_load_balancer.this["` + k + `"]` }
	st.expect(lb("east/web/load_balancer"), "cloud", "aws")
	st.expect(lb("belgium/web/load_balancer"), "cloud", "gcp")
	dnsAddr := `module.stack.ha_dns_failover.this["global/` + name + "." + name + `.test/dns_failover"]`
	st.expect(dnsAddr, "backend", "powerdns")
	gcpAddr := st.attr(lb("belgium/web/load_balancer"), "address")

	// AWS side, through the SDK.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	aws, err := sweep.Leftovers(ctx, awsTestSession(), []string{"us-east-1"}, name)
	if err != nil {
		t.Fatal(err)
	}
	if s := strings.Join(aws, "; "); !strings.Contains(s, "load balancer "+name+"-east-web") || !strings.Contains(s, "Auto Scaling group "+name+"-east-web") {
		t.Errorf("AWS SDK: want the east ALB and Auto Scaling group in us-east-1, sees %s", s)
	}
	// GCP side, through gcloud.
	checkGroup(t, name+"-belgium-web", "europe-west1")
	rule, err := gcloudObject("compute", "forwarding-rules", "describe", name+"-belgium-web", "--global")
	if err != nil {
		t.Fatal(err)
	}
	if rule["IPAddress"] != gcpAddr {
		t.Errorf("forwarding rule %s address %v, state says %s", name+"-belgium-web", rule["IPAddress"], gcpAddr)
	}
	// PowerDNS: one record over both clouds, AWS first.
	pdns := pdnsClient(t, env)
	sets, err := zoneRRSets(ctx, pdns, name+".test.")
	if err != nil {
		t.Fatal(err)
	}
	var rec string
	for _, s := range sets {
		if strings.HasPrefix(s, name+"."+name+".test. LUA ") {
			rec = s
		}
	}
	if i, j := strings.Index(rec, "192.0.2.10"), strings.Index(rec, gcpAddr); i < 0 || j < 0 || i > j {
		t.Errorf("PowerDNS record of %s.%s.test: want the AWS address 192.0.2.10 first, then the GCP load balancer's %s; zone holds %v", name, name, gcpAddr, sets)
	}
	tf.planEmpty()

	started = time.Now()
	tf.destroy()
	t.Logf("destroy: %.1fs", time.Since(started).Seconds())
	if aws, err := sweep.Leftovers(ctx, awsTestSession(), []string{"us-east-1"}, name); err != nil || len(aws) > 0 {
		t.Errorf("AWS after destroy: %v %v", aws, err)
	}
	left := gcpBlueprintObjects(t, name, "europe-west1")
	if len(left) > 0 {
		t.Errorf("GCP after destroy: %v", left)
	}
	if sets, err := zoneRRSets(ctx, pdns, name+".test."); err == nil {
		for _, s := range sets {
			if strings.Contains(s, " LUA ") {
				t.Errorf("PowerDNS after destroy: %s", s)
			}
		}
	}
}

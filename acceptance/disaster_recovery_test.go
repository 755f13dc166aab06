package acceptance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/datasweep"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/sweep"
)

// drBlueprint is the quickstart's shape with DNS on Route 53, so that "DNS
// points at the standby's load balancer" can be read from the records.
const drBlueprint = `
blueprint %q {}

objectives {
  rto = "10m"
  rpo = "5m"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = ["us-east-1a", "us-east-1b"]
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
  zones    = ["us-west-2a", "us-west-2b"]
  role     = "standby"
}

tier "web" {
  image         = "ami-12c6146b"
  instance_type = "t3.small"
  uses          = [database.orders]
  capacity {
    min = 2
    max = 4
  }
  load_balancer {
    listener {
      port     = 80
      protocol = "HTTP"
    }
    health_check {
      path = "/healthz"
    }
  }
}

database "orders" {
  engine              = "postgres"
  version             = "16"
  instance_class      = "db.t3.micro"
  deletion_protection = false
  replication {
    mode         = "async"
    cross_region = true
  }
  backup {
    schedule = "daily 03:00"
    retain   = "7d"
    copy_to  = [region.west]
  }
}

dns "www.%s.test" {
  zone = "%s.test"
  ttl  = 30
  to   = tier.web
  failover {
    order = [region.east, region.west]
    health_check {
      path      = "/healthz"
      interval  = "10s"
      threshold = 3
    }
  }
}
`

var drLocations = []string{"us-east-1", "us-west-2", "us-east-2"}

// The user's promise end to end, through the real terraform CLI with the
// provider built and installed as a user would (dev_overrides), because the
// config is a module: one blueprint through modules/stack; lose the primary
// region; one apply fails over and rebuilds it elsewhere; fail back;
// nothing orphaned at any point.
func TestAccDisasterRecovery_quickstartThroughStack(t *testing.T) {
	PreCheck(t)
	UseServices(t, services.Moto)
	name := "dr" + acctest.RandStringFromCharSet(6, acctest.CharSetAlphaNum)
	dir := t.TempDir()
	bpPath := filepath.Join(dir, "dr.ha.hcl")
	if err := os.WriteFile(bpPath, []byte(fmt.Sprintf(drBlueprint, name, name, name)), 0o644); err != nil {
		t.Fatal(err)
	}
	fqdn := "www." + name + ".test"
	t.Cleanup(func() { sweepAll(t, name) })
	tf := newCLI(t, CLIs(t)[0], dir, stackRoot(bpPath, acceptanceArgs+drArgs, drVariables+`
output "recovery" {
  value = module.stack.recovery
}
`))

	lost := []string{`lost_regions=["east"]`, `replacements={east="us-east-2"}`}
	failback := append(append([]string{}, lost...), `primary_region=east`)
	lb := func(k string) string { return `module.stack.ha_load_balancer.this["` + k + `"]` }
	replica := func(k string) string { return `module.stack.ha_database_replica.this["` + k + `"]` }
	sg := func(k string) string { return `module.stack.ha_scaling_group.this["` + k + `"]` }

	// 1. Apply the blueprint, then a second plan is empty.
	tf.apply()
	st := tf.state()
	st.expect(replica("west/orders/replica"), "role", "replica")
	st.expect(`module.stack.ha_database.this["east/orders/database"]`, "location", "us-east-1")
	check(t, primaryAliasIs(fqdn, name, st.attr(lb("east/web/load_balancer"), "dns_name")))
	check(t, onlyManaged(name, st))
	tf.planEmpty()

	// 2. The region is gone: everything in us-east-1 disappears out of band.
	deleteRegion(t, name, "us-east-1")
	// us-east-1 is declared lost from here on, as a user would after the
	// disaster: no call goes to its regional APIs, while Route 53 (global,
	// signed for us-east-1) must still move the failover records.
	tf.env = append(tf.env, "HA_AWS_LOST_LOCATIONS=us-east-1")
	started := time.Now()
	tf.apply(lost...)
	t.Logf("disaster-recovery apply: %.1fs", time.Since(started).Seconds())
	st = tf.state()
	st.expect(replica("west/orders/replica"), "role", "primary")
	st.expect(replica("west/orders/replica"), "promote", "true")
	check(t, standalone(name, "us-west-2", "west/orders/replica"))
	st.expect(lb("east/web/load_balancer"), "location", "us-east-2")
	st.expect(sg("east/web/scaling_group"), "location", "us-east-2")
	st.expect(replica("east/orders/replica"), "location", "us-east-2")
	st.expect(replica("east/orders/replica"), "role", "replica")
	st.absent(`module.stack.ha_database.this["east/orders/database"]`)
	if got := tf.output("recovery"); !strings.Contains(got, `"new_primary":"west"`) {
		t.Errorf("recovery output: %s", got)
	}
	check(t, primaryAliasIs(fqdn, name, st.attr(lb("west/web/load_balancer"), "dns_name")))
	check(t, onlyManaged(name, st))
	check(t, regionEmpty(name, "us-east-1")) // nothing rebuilt where the region was
	tf.planEmpty(lost...)

	// 3. Fail back to the rebuilt east once it has caught up.
	tf.apply(failback...)
	st = tf.state()
	st.expect(replica("east/orders/replica"), "role", "primary")
	check(t, standalone(name, "us-east-2", "east/orders/replica"))
	st.expect(replica("west/orders/replica"), "role", "replica")
	check(t, primaryAliasIs(fqdn, name, st.attr(lb("east/web/load_balancer"), "dns_name")))
	check(t, onlyManaged(name, st))
	tf.planEmpty(failback...)

	// 4. Destroy leaves nothing behind but the lost region's last backup: its
	// cross-region snapshot copy, kept on purpose (no state manages the lost
	// backup plan any more, and it is the lost database's newest copy).
	tf.destroy(failback...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if left, err := sweep.Leftovers(ctx, awsTestSession(), drLocations, name); err != nil || len(left) > 0 {
		t.Errorf("after destroy: %v %v", left, err)
	}
	kept, err := keptBackups(name)
	check(t, err)
	if len(kept) != 1 || !strings.HasPrefix(kept[0].ID, name+"-east-orders-") || !strings.HasSuffix(kept[0].ID, "-copy") || kept[0].Location != "us-west-2" {
		t.Errorf("after destroy, want only the lost east database's snapshot copy in us-west-2, got %v", kept)
	}
}

// keptBackups is everything of the blueprint left in the endpoint; it fails
// on anything but DB snapshots.
func keptBackups(blueprint string) ([]datasweep.Leftover, error) {
	if err := regionEmpty(blueprint, drLocations...); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	data, err := datasweep.Find(ctx, awsTestSession(), drLocations, blueprint)
	if err != nil {
		return nil, err
	}
	var snaps []datasweep.Leftover
	for _, d := range data {
		if d.Kind != "db_snapshot" {
			return nil, fmt.Errorf("left behind: %s", d)
		}
		snaps = append(snaps, d)
	}
	return snaps, nil
}

// regionEmpty fails when compute objects or databases of the blueprint are
// in the locations (Route 53 is global and checked by its own assertions).
func regionEmpty(blueprint string, locations ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	left, err := sweep.Leftovers(ctx, awsTestSession(), locations, blueprint)
	if err != nil {
		return err
	}
	var bad []string
	for _, l := range left {
		if !strings.Contains(l, "Route 53") {
			bad = append(bad, l)
		}
	}
	data, err := datasweep.Find(ctx, awsTestSession(), locations, blueprint)
	if err != nil {
		return err
	}
	for _, d := range data {
		if d.Kind == "db_instance" || d.Kind == "backup_plan" {
			bad = append(bad, d.String())
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("left behind: %s", strings.Join(bad, ", "))
	}
	return nil
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Error(err)
	}
}

// deleteRegion deletes everything of the blueprint in one location, as a
// region that is gone would.
func deleteRegion(t *testing.T, blueprint, location string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := awsTestSession()
	if _, err := datasweep.Sweep(ctx, s, []string{location}, blueprint); err != nil {
		t.Fatalf("delete %s data objects: %v", location, err)
	}
	if err := sweep.SweepRegional(ctx, s, []string{location}, blueprint); err != nil {
		t.Fatalf("delete %s compute objects: %v", location, err)
	}
	if err := regionEmpty(blueprint, location); err != nil {
		t.Fatalf("region not gone: %v", err)
	}
}

// onlyManaged fails when the endpoint holds a load balancer or database of
// the blueprint that the state does not manage (an orphan), or misses one.
func onlyManaged(blueprint string, st *cliState) error {
	var want []string
	for _, r := range st.resources {
		switch r.Type {
		case "ha_load_balancer":
			want = append(want, fmt.Sprint(r.AttributeValues["location"], " load balancer ", r.AttributeValues["name"]))
		case "ha_database", "ha_database_replica":
			want = append(want, fmt.Sprint("db_instance ", r.AttributeValues["name"], " in ", r.AttributeValues["location"]))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	left, err := sweep.Leftovers(ctx, awsTestSession(), drLocations, blueprint)
	if err != nil {
		return err
	}
	data, err := datasweep.Find(ctx, awsTestSession(), drLocations, blueprint)
	if err != nil {
		return err
	}
	var got []string
	for _, l := range left {
		if strings.Contains(l, " load balancer ") {
			got = append(got, l)
		}
	}
	for _, d := range data {
		if d.Kind == "db_instance" {
			got = append(got, d.String())
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		return fmt.Errorf("endpoint and state differ:\n  state:    %s\n  endpoint: %s", strings.Join(want, "; "), strings.Join(got, "; "))
	}
	return nil
}

// standalone checks through the SDK that a promoted copy no longer follows a source.
func standalone(blueprint, location, component string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := awsTestSession().Config(ctx, location)
	if err != nil {
		return err
	}
	inst, err := rds.New(cfg).FindTagged(ctx, map[string]string{"ha:blueprint": blueprint, "ha:component": component})
	if err != nil {
		return err
	}
	if inst.IsReplica() {
		return fmt.Errorf("%s in %s still replicates from %s", component, location, inst.SourceARN)
	}
	return nil
}

// primaryAliasIs checks that the Route 53 PRIMARY failover record of fqdn
// aliases the load balancer whose DNS name is dnsName.
func primaryAliasIs(fqdn, zone, dnsName string) error {
	if dnsName == "" {
		return fmt.Errorf("no load balancer DNS name to compare with")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := awsTestSession().Config(ctx, "us-east-1")
	if err != nil {
		return err
	}
	r53 := route53.NewFromConfig(cfg)
	zones, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: sdkaws.String(zone + ".test.")})
	if err != nil {
		return err
	}
	for _, z := range zones.HostedZones {
		if sdkaws.ToString(z.Name) != zone+".test." {
			continue
		}
		recs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.Id})
		if err != nil {
			return err
		}
		for _, rr := range recs.ResourceRecordSets {
			if strings.TrimSuffix(sdkaws.ToString(rr.Name), ".") != fqdn || rr.Failover != "PRIMARY" {
				continue
			}
			if rr.AliasTarget == nil {
				return fmt.Errorf("PRIMARY record of %s is not an alias", fqdn)
			}
			got := strings.TrimSuffix(strings.ToLower(sdkaws.ToString(rr.AliasTarget.DNSName)), ".")
			if got != strings.ToLower(strings.TrimSuffix(dnsName, ".")) {
				return fmt.Errorf("PRIMARY record of %s aliases %s, want %s", fqdn, got, dnsName)
			}
			return nil
		}
		return fmt.Errorf("no PRIMARY failover record for %s", fqdn)
	}
	return fmt.Errorf("hosted zone %s.test not found", zone)
}

func sweepAll(t *testing.T, blueprint string) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := awsTestSession()
	if _, err := datasweep.Sweep(ctx, s, drLocations, blueprint); err != nil {
		t.Logf("sweep data objects of %s: %v", blueprint, err)
	}
	if err := sweep.Sweep(ctx, s, drLocations, blueprint); err != nil {
		t.Logf("sweep compute objects of %s: %v", blueprint, err)
	}
}

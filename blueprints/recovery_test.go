package blueprints

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func compileStockRecovery(t *testing.T, name string, rec Recovery) *Result {
	t.Helper()
	res, diags := CompileStock(name, Options{Recovery: rec})
	if diags.HasErrors() {
		t.Fatalf("compile %s with %+v: %s", name, rec, summaries(diags))
	}
	return res
}

func has(res *Result, key string) bool {
	for _, c := range res.Components {
		if c.Key == key {
			return true
		}
	}
	return false
}

func TestRecovery_primaryLostAndReplaced(t *testing.T) {
	plain := compileStockRecovery(t, "web-active-passive", Recovery{})
	res := compileStockRecovery(t, "web-active-passive", Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}})

	rep := find(t, res, "west/orders/replica").DatabaseReplica
	if !rep.Promote {
		t.Error("west/orders/replica not promoted")
	}
	for _, k := range []string{"east/orders/database", "east/orders/backup_plan"} {
		if has(res, k) {
			t.Errorf("%s still managed after its region was lost", k)
		}
	}
	bk := find(t, res, "west/orders/backup_plan")
	if bk.BackupPlan.Database != "west/orders/replica" || bk.BackupPlan.CopyToLocation != "us-east-2" || bk.Location != "us-west-2" {
		t.Errorf("new backup plan wrong: %+v at %s", bk.BackupPlan, bk.Location)
	}
	lb := find(t, res, "east/web/load_balancer")
	if lb.Location != "us-east-2" || !cmp.Equal(lb.LoadBalancer.Zones, []string{"us-east-2a", "us-east-2b"}) {
		t.Errorf("rebuilt load balancer at %s %v", lb.Location, lb.LoadBalancer.Zones)
	}
	if sg := find(t, res, "east/web/scaling_group"); sg.Location != "us-east-2" || !cmp.Equal(sg.DependsOn, []string{"east/orders/replica", "east/web/load_balancer"}) {
		t.Errorf("rebuilt scaling group at %s after %v", sg.Location, sg.DependsOn)
	}
	newRep := find(t, res, "east/orders/replica")
	if newRep.Location != "us-east-2" || newRep.DatabaseReplica.Source != "west/orders/replica" || newRep.DatabaseReplica.Promote {
		t.Errorf("rebuilt replica wrong: %+v at %s", newRep.DatabaseReplica, newRep.Location)
	}
	dns := find(t, res, "global/shop.example.com/dns_failover").DNSFailover
	if !cmp.Equal(dns.Order, []string{"west", "east"}) || dns.Targets[0].LoadBalancer != "west/web/load_balancer" {
		t.Errorf("DNS order %v targets %+v", dns.Order, dns.Targets)
	}
	// Scaling groups no longer wait for a database that is gone.
	for _, c := range res.Components {
		for _, d := range c.DependsOn {
			if !has(res, d) {
				t.Errorf("%s depends on %s, which is not a component", c.Key, d)
			}
		}
	}
	if east := res.Blueprint.Region("east"); east.Role != RoleStandby || east.Location != "us-east-2" {
		t.Errorf("east region now %s at %s", east.Role, east.Location)
	}
	if west := res.Blueprint.Region("west"); west.Role != RolePrimary {
		t.Errorf("west role %s", west.Role)
	}
	r := res.Recovery
	if r.NewPrimary != "west" || !cmp.Equal(r.Promoted, []string{"west/orders/replica"}) || r.Rebuilt["east"] != "us-east-2" {
		t.Errorf("report %+v", r)
	}
	if !cmp.Equal(r.Dropped, []string{"east/orders/backup_plan", "east/orders/database"}) {
		t.Errorf("dropped %v", r.Dropped)
	}
	if r.RTO != plain.Objectives.RTO || r.RPO != plain.Objectives.RPO || r.RTO <= 0 {
		t.Errorf("event RTO/RPO %d/%d, blueprint's %d/%d", r.RTO, r.RPO, plain.Objectives.RTO, plain.Objectives.RPO)
	}
}

func TestRecovery_primaryLostNotReplaced(t *testing.T) {
	res := compileStockRecovery(t, "web-active-passive", Recovery{Lost: []string{"east"}})
	for _, c := range res.Components {
		if c.Region == "east" {
			t.Errorf("%s still in the lost region", c.Key)
		}
	}
	dns := find(t, res, "global/shop.example.com/dns_failover").DNSFailover
	if !cmp.Equal(dns.Order, []string{"west"}) || len(dns.Targets) != 1 {
		t.Errorf("DNS order %v", dns.Order)
	}
	if find(t, res, "west/orders/backup_plan").BackupPlan.CopyToLocation != "" {
		t.Error("backups copied to a region that does not exist")
	}
	if res.Blueprint.Region("east").Role != RoleLost {
		t.Errorf("east role %s", res.Blueprint.Region("east").Role)
	}
}

func TestRecovery_standbyLost(t *testing.T) {
	res := compileStockRecovery(t, "three-region-database", Recovery{Lost: []string{"west"}})
	if res.Recovery.NewPrimary != "east" || res.Recovery.RTO != 0 || res.Recovery.RPO != 0 || len(res.Recovery.Promoted) != 0 {
		t.Errorf("losing a standby should change no primary: %+v", res.Recovery)
	}
	for _, c := range res.Components {
		if c.Region == "west" {
			t.Errorf("%s still in the lost region", c.Key)
		}
		if f := c.DNSFailover; f != nil && f.Order[0] != "east" {
			t.Errorf("DNS primary moved: %v", f.Order)
		}
	}
}

func TestRecovery_otherReplicasFollowTheNewPrimary(t *testing.T) {
	res := compileStockRecovery(t, "three-region-database", Recovery{Lost: []string{"east"}})
	var promoted string
	for _, c := range res.Components {
		if c.DatabaseReplica != nil && c.DatabaseReplica.Promote {
			promoted = c.Key
		}
	}
	if promoted == "" || !strings.HasPrefix(promoted, res.Recovery.NewPrimary+"/") {
		t.Fatalf("promoted %q, new primary %q", promoted, res.Recovery.NewPrimary)
	}
	for _, c := range res.Components {
		if rep := c.DatabaseReplica; rep != nil && !rep.Promote && rep.Source != promoted {
			t.Errorf("%s still replicates from %s, not %s", c.Key, rep.Source, promoted)
		}
	}
}

func TestRecovery_restoreWithoutReplica(t *testing.T) {
	src := twoRegions + `
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  backup {
    schedule = "daily 03:00"
    retain   = "7d"
    copy_to  = [region.west]
  }
}
`
	res, diags := Compile("t.ha.hcl", []byte(src), Options{Variables: nil, RawVariables: map[string]string{"image": "ami-1"},
		Recovery: Recovery{Lost: []string{"east"}}})
	if diags.HasErrors() {
		t.Fatal(summaries(diags))
	}
	db := find(t, res, "west/orders/database")
	if db.Database.RestoreFrom != "east/orders/database" || db.Location != "us-west-2" {
		t.Errorf("restored database %+v at %s", db.Database, db.Location)
	}
	if !cmp.Equal(res.Recovery.Restored, []string{"west/orders/database"}) {
		t.Errorf("restored %v", res.Recovery.Restored)
	}
}

func TestRecovery_badInput(t *testing.T) {
	cases := map[string]struct {
		rec  Recovery
		want string
	}{
		"unknown region":    {Recovery{Lost: []string{"mars"}}, "Unknown lost region"},
		"replace not lost":  {Recovery{Lost: []string{"east"}, Replacements: map[string]string{"west": "us-west-1"}}, "Replacement for a region that is not lost"},
		"every region lost": {Recovery{Lost: []string{"east", "west"}}, "Every region is lost"},
		"empty location":    {Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": " "}}, "Empty replacement location"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := CompileStock("web-active-passive", Options{Recovery: tc.rec})
			if !diags.HasErrors() || !strings.Contains(summaries(diags), tc.want) {
				t.Fatalf("want %q, got %q", tc.want, summaries(diags))
			}
		})
	}
}

func TestRecovery_deterministic(t *testing.T) {
	rec := Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}}
	a, _ := compileStockRecovery(t, "three-region-database", rec).JSON()
	b, _ := compileStockRecovery(t, "three-region-database", rec).JSON()
	if !bytes.Equal(a, b) {
		t.Error("same recovery, different expansion")
	}
}

// Failing back: east was lost and rebuilt in us-east-2; naming it primary
// promotes its replica and makes west follow it again.
func TestRecovery_failbackToRebuiltRegion(t *testing.T) {
	rec := Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}, Primary: "east"}
	res := compileStockRecovery(t, "web-active-passive", rec)
	east := find(t, res, "east/orders/replica")
	if !east.DatabaseReplica.Promote || east.Location != "us-east-2" || east.DatabaseReplica.Source != "west/orders/replica" {
		t.Errorf("east replica: %+v at %s", east.DatabaseReplica, east.Location)
	}
	west := find(t, res, "west/orders/replica").DatabaseReplica
	if west.Promote || west.Source != "east/orders/replica" || west.SourceLocation != "us-east-2" {
		t.Errorf("west replica should follow east: %+v", west)
	}
	bk := find(t, res, "east/orders/backup_plan")
	if bk.Location != "us-east-2" || bk.BackupPlan.Database != "east/orders/replica" || bk.BackupPlan.CopyToLocation != "us-west-2" {
		t.Errorf("backup plan %+v at %s", bk.BackupPlan, bk.Location)
	}
	if has(res, "west/orders/backup_plan") || has(res, "east/orders/database") {
		t.Error("failback kept the failover's backup plan or the lost database")
	}
	dns := find(t, res, "global/shop.example.com/dns_failover").DNSFailover
	if !cmp.Equal(dns.Order, []string{"east", "west"}) {
		t.Errorf("DNS order %v", dns.Order)
	}
	if res.Blueprint.Region("east").Role != RolePrimary || res.Blueprint.Region("west").Role != RoleStandby {
		t.Errorf("roles east=%s west=%s", res.Blueprint.Region("east").Role, res.Blueprint.Region("west").Role)
	}
	if !cmp.Equal(res.Recovery.Dropped, []string{"east/orders/database"}) {
		t.Errorf("dropped %v", res.Recovery.Dropped)
	}
	// Same failover without the explicit primary: west serves, east follows.
	fo := compileStockRecovery(t, "web-active-passive", Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}})
	if r := find(t, fo, "east/orders/replica").DatabaseReplica; r.Promote || r.Source != "west/orders/replica" || r.SourceLocation != "us-west-2" {
		t.Errorf("failover: east replica %+v", r)
	}
	if _, diags := CompileStock("web-active-passive", Options{Recovery: Recovery{Lost: []string{"east"}, Primary: "east"}}); !strings.Contains(summaries(diags), "Primary region is lost") {
		t.Errorf("primary lost and not rebuilt: %s", summaries(diags))
	}
}

// Losing the site of a bare-metal database: the surviving site gets a host
// allocation like the lost one's from its own inventory and a database
// restored from the pgBackRest repository the backup plan kept there (a
// component of the surviving site); nothing is left on the lost site, and
// the restored database's backups wait for a site to copy to.
func TestRecovery_bareMetalDatabaseRestored(t *testing.T) {
	res := compileStockRecovery(t, "bare-metal-pair", Recovery{Lost: []string{"dc1"}})
	for _, c := range res.Components {
		if c.Region == "dc1" {
			t.Errorf("component %s survives the loss of dc1", c.Key)
		}
	}
	db := find(t, res, "dc2/sessions/database")
	want := Database{RestoreFrom: "dc1/sessions/database", RestoreRepository: "dc2/sessions-repository/host_allocation",
		RestoreStanza: "edge-dc1-sessions", HostAllocation: "dc2/sessions/host_allocation"}
	got := *db.Database
	if got.RestoreFrom != want.RestoreFrom || got.RestoreRepository != want.RestoreRepository || got.RestoreStanza != want.RestoreStanza ||
		got.HostAllocation != want.HostAllocation || got.Primary != "" || !cmp.Equal(db.DependsOn, []string{"dc2/sessions-repository/host_allocation", "dc2/sessions/host_allocation"}) {
		t.Errorf("restored database %+v, depends on %v", got, db.DependsOn)
	}
	alloc := find(t, res, "dc2/sessions/host_allocation")
	if alloc.HostAllocation.Inventory != "dc2.inventory.hcl" || alloc.HostAllocation.Count != 3 || alloc.HostAllocation.For != "dc2/sessions" {
		t.Errorf("allocation %+v", alloc.HostAllocation)
	}
	if repo := find(t, res, "dc2/sessions-repository/host_allocation"); repo.HostAllocation.Inventory != "dc2.inventory.hcl" {
		t.Errorf("repository allocation %+v", repo.HostAllocation)
	}
	plan := find(t, res, "dc2/sessions/backup_plan")
	if plan.BackupPlan.CopyToLocation != "" || plan.BackupPlan.RepositoryAllocation != "" || plan.BackupPlan.Database != "dc2/sessions/database" {
		t.Errorf("backup plan of the restored database %+v", plan.BackupPlan)
	}
	if !cmp.Equal(res.Recovery.Restored, []string{"dc2/sessions/database"}) {
		t.Errorf("restored %v", res.Recovery.Restored)
	}
	for _, c := range res.Components {
		if c.Kind == KindHostAllocation && c.Key == "dc2/edge/host_allocation" && !strings.Contains(strings.Join(c.DependsOn, " "), "dc2/sessions/database") {
			t.Errorf("the edge tier in dc2 does not use the restored database: %v", c.DependsOn)
		}
	}
}

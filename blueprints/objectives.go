package blueprints

import (
	"fmt"
	"strings"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Objectives are the RTO and RPO the blueprint asked for and what its design
// achieves in the worst case: losing the primary region. Seconds; a budget of
// 0 was not set; a computed -1 is unbounded (no copy outside the region).
type Objectives struct {
	RTOBudget    int    `cty:"rto_budget"`
	RPOBudget    int    `cty:"rpo_budget"`
	RTO          int    `cty:"rto"`
	RPO          int    `cty:"rpo"`
	Scenario     string `cty:"scenario"`
	RTOBreakdown []Step `cty:"rto_breakdown"`
	RPOBreakdown []Step `cty:"rpo_breakdown"`
	// HostLoss is the RTO of losing one host that holds a bare-metal
	// virtual IP: VRRP detection per VIP, each within the RTO budget.
	HostLoss []Step `cty:"host_loss"`
}

// Step is one term of a computed RTO or RPO.
type Step struct {
	Step    string `cty:"step"`
	Seconds int    `cty:"seconds"`
	Detail  string `cty:"detail"`
}

// ObjectivesType is the cty type of Objectives.Value.
var ObjectivesType = func() cty.Type {
	t, err := gocty.ImpliedType(Objectives{})
	if err != nil {
		panic(err) // only a programming error in the struct above
	}
	return t
}()

// Value is o as a cty object of ObjectivesType.
func (o *Objectives) Value() (cty.Value, error) {
	v, err := gocty.ToCtyValue(o, ObjectivesType)
	if err != nil {
		return cty.NilVal, err
	}
	return nonNullCollections(v), nil
}

// Constant is a planning figure with where it comes from.
type Constant struct {
	Seconds int
	Source  string
}

// PromotionTime is how long promoting a cross-region replica to a writable
// primary takes, per cloud and engine. These are planning figures taken
// from the vendors' documentation; measure your own with `drill`.
var PromotionTime = map[string]map[string]Constant{
	CloudAWS: {
		"postgres": {300, "Amazon RDS User Guide, \"Promoting a read replica to be a standalone DB instance\": the replica reboots and promotion takes several minutes; planned at 5 min"},
		"mysql":    {300, "Amazon RDS User Guide, \"Promoting a read replica to be a standalone DB instance\": the replica reboots and promotion takes several minutes; planned at 5 min"},
	},
	CloudGCP: {
		"postgres": {300, "Cloud SQL documentation, \"Promote replicas for regional migration or disaster recovery\": promotion of a cross-region read replica takes several minutes; planned at 5 min"},
		"mysql":    {300, "Cloud SQL documentation, \"Promote replicas for regional migration or disaster recovery\": promotion of a cross-region read replica takes several minutes; planned at 5 min"},
	},
}

// RestoreTime is how long restoring a database from a copied backup takes,
// per cloud: a floor for small databases plus a rate per GiB.
var RestoreTime = map[string]struct {
	Base, PerGiB int
	Source       string
}{
	CloudAWS:       {1200, 6, "Amazon RDS User Guide, \"Restoring to a DB instance\" (creation of a new instance, then lazy loading from S3): planned at 20 min + 6 s/GiB"},
	CloudGCP:       {1200, 6, "Cloud SQL documentation, \"Restore an instance\" (restore to a new instance): planned at 20 min + 6 s/GiB"},
	CloudBareMetal: {120, 10, "pgBackRest restore from the repository in the copy_to site (TLS, parallel transfer) and replay of the archived WAL on a new Patroni cluster: planned at 2 min + 10 s/GiB; measure yours with a restore"},
}

// WALArchiveInterval bounds what a bare-metal database loses with its site
// when it has no copy elsewhere: its backup plan sets PostgreSQL's
// archive_timeout, so a WAL segment reaches the other site's repository at
// least this often (seconds) even when writes are few.
const WALArchiveInterval = 60

// ReplicationLag is the bound assumed for asynchronous cross-region
// replication when replication.max_lag does not say: neither vendor bounds
// it, so this is the lag the deployment is expected to alert on.
var ReplicationLag = map[string]Constant{
	CloudAWS: {30, "Amazon RDS cross-region read replicas are asynchronous; the ReplicaLag CloudWatch metric is typically seconds, with no documented bound; planned at 30 s (alert above it)"},
	CloudGCP: {30, "Cloud SQL cross-region replicas are asynchronous; replication lag (database/replication/replica_lag metric) is typically seconds, with no documented bound; planned at 30 s (alert above it)"},
}

// objectives computes the worst case of losing the primary region: DNS sees
// it (interval × threshold), resolvers drop the old answer (TTL), and every
// database homed there is promoted from a replica or restored from a copied
// backup. RPO is the replication lag, or the backup interval where only a
// backup copy exists.
func (c *compiler) objectives(bp *Blueprint, comps []*Component) *Objectives {
	if c.diags.HasErrors() {
		return nil
	}
	o := &Objectives{RTOBreakdown: []Step{}, RPOBreakdown: []Step{}, HostLoss: []Step{}}
	if spec := bp.Objectives; spec != nil {
		o.RTOBudget, o.RPOBudget = secs(spec.RTO), secs(spec.RPO)
	}
	c.hostLoss(bp, o)
	c.cacheHostLoss(bp, o)
	primary := bp.Primary()
	if primary == nil {
		return o
	}
	o.Scenario = "loss of region " + primary.Name
	var lost []string

	// DNS: the slowest record decides.
	var dnsStep, ttlStep *Step
	for _, d := range bp.DNS {
		if len(d.Order) == 0 || d.Order[0] != primary.Name && d.Mode == "failover" {
			continue
		}
		det := d.HealthCheck.Interval * d.HealthCheck.Threshold
		if dnsStep == nil || det+d.TTL > dnsStep.Seconds+ttlStep.Seconds {
			dnsStep = &Step{"dns_detection", det, fmt.Sprintf("%s: health check every %ds, %d failures to mark %s down", d.FQDN, d.HealthCheck.Interval, d.HealthCheck.Threshold, primary.Name)}
			ttlStep = &Step{"dns_ttl", d.TTL, fmt.Sprintf("%s: resolvers keep the old answer up to the TTL (%ds)", d.FQDN, d.TTL)}
		}
	}
	if dnsStep != nil {
		o.RTOBreakdown = append(o.RTOBreakdown, *dnsStep, *ttlStep)
	}

	// Databases homed in the lost region: the slowest recovery decides RTO,
	// the largest loss decides RPO.
	var dbStep, lossStep *Step
	for _, d := range bp.Databases {
		if d.Region != primary.Name {
			continue
		}
		home := bp.regions[d.Region]
		var rec, loss *Step
		if rr := replicaRegions(bp, d); len(rr) > 0 {
			k := PromotionTime[home.Cloud][d.Engine]
			rec = &Step{"database_promotion", k.Seconds, fmt.Sprintf("promote %s (%s %s); %s", replicaKey(rr[0], d.Name, 1), home.Cloud, d.Engine, k.Source)}
			lag := ReplicationLag[home.Cloud]
			detail := fmt.Sprintf("%s: async replication lag bound; %s", d.Name, lag.Source)
			if d.Replication.MaxLag > 0 {
				lag.Seconds = secs(d.Replication.MaxLag)
				detail = fmt.Sprintf("%s: async replication lag bound set by replication.max_lag", d.Name)
			}
			loss = &Step{"replication_lag", lag.Seconds, detail}
		} else if bk := d.Backup; bk != nil && len(bk.CopyTo) > 0 {
			k := RestoreTime[home.Cloud]
			rec = &Step{"database_restore", k.Base + k.PerGiB*d.StorageGiB, fmt.Sprintf("restore %s from its backup copy in %s (%dGiB); %s", d.Name, bk.CopyTo[0], d.StorageGiB, k.Source)}
			loss = &Step{"backup_interval", secs(bk.Interval), fmt.Sprintf("%s: no replica outside %s, so the last backup copy (schedule %q) is what survives", d.Name, primary.Name, bk.Schedule)}
			if home.Cloud == CloudBareMetal {
				loss = &Step{"wal_archive", WALArchiveInterval, fmt.Sprintf("%s: WAL is archived continuously to the pgBackRest repository in %s, at least every %ds (archive_timeout)", d.Name, bk.CopyTo[0], WALArchiveInterval)}
			}
		} else {
			lost = append(lost, d.Name)
			c.noCopy(bp, d)
			continue
		}
		if dbStep == nil || rec.Seconds > dbStep.Seconds {
			dbStep = rec
		}
		if lossStep == nil || loss.Seconds > lossStep.Seconds {
			lossStep = loss
		}
	}
	svcRec, svcLoss, svcLost := serviceObjectives(bp, primary)
	for i := range svcRec {
		if dbStep == nil || svcRec[i].Seconds > dbStep.Seconds {
			dbStep = &svcRec[i]
		}
	}
	for i := range svcLoss {
		if lossStep == nil || svcLoss[i].Seconds > lossStep.Seconds {
			lossStep = &svcLoss[i]
		}
	}
	if dbStep != nil {
		o.RTOBreakdown = append(o.RTOBreakdown, *dbStep)
	}
	if lossStep != nil {
		o.RPOBreakdown = append(o.RPOBreakdown, *lossStep)
	}
	for _, s := range o.RTOBreakdown {
		o.RTO += s.Seconds
	}
	for _, s := range o.RPOBreakdown {
		o.RPO += s.Seconds
	}
	// -1 steps (a lost database) make the total unbounded, below.
	for _, name := range lost {
		s := Step{"database_lost", -1, fmt.Sprintf("%s has neither a replica nor a backup copy outside %s: losing the region loses it", name, primary.Name)}
		o.RTOBreakdown = append(o.RTOBreakdown, s)
		o.RPOBreakdown = append(o.RPOBreakdown, s)
		o.RTO, o.RPO = -1, -1
	}
	for _, name := range svcLost {
		s := Step{"data_lost", -1, fmt.Sprintf("%s has no copy outside %s: losing the region loses it", name, primary.Name)}
		o.RTOBreakdown = append(o.RTOBreakdown, s)
		o.RPOBreakdown = append(o.RPOBreakdown, s)
		o.RTO, o.RPO = -1, -1
	}
	spec := bp.Objectives
	if spec == nil {
		return o
	}
	if spec.Has("rto") && (o.RTO < 0 || o.RTO > o.RTOBudget) {
		c.errorf(spec.At("rto"), "RTO objective not met",
			"Losing region %s takes %s to recover in the worst case, more than rto = %s:\n%s",
			primary.Name, human(o.RTO), human(o.RTOBudget), breakdown(o.RTOBreakdown, o.RTO))
	}
	if spec.Has("rpo") && (o.RPO < 0 || o.RPO > o.RPOBudget) {
		c.errorf(spec.At("rpo"), "RPO objective not met",
			"Losing region %s loses up to %s of data in the worst case, more than rpo = %s:\n%s",
			primary.Name, human(o.RPO), human(o.RPOBudget), breakdown(o.RPOBreakdown, o.RPO))
	}
	return o
}

// noCopy reports a database that does not survive its region, as an error
// when the blueprint states objectives and a warning otherwise.
func (c *compiler) noCopy(bp *Blueprint, d *DatabaseSpec) {
	msg := "Database %q has neither a replica nor a backup copy outside region %q: losing the region loses the data. Add replication { cross_region = true } or backup { copy_to = [...] }."
	if bp.Objectives != nil {
		return // the objective check below explains it with the breakdown
	}
	c.warnf(&d.Def, "Database does not survive its region", msg, d.Name, d.Region)
}

func human(s int) string {
	if s < 0 {
		return "unbounded"
	}
	return (time.Duration(s) * time.Second).String()
}

func breakdown(steps []Step, total int) string {
	var b strings.Builder
	for _, s := range steps {
		fmt.Fprintf(&b, "  %-18s %7s  %s\n", s.Step, human(s.Seconds), s.Detail)
	}
	fmt.Fprintf(&b, "  %-18s %7s", "total", human(total))
	return b.String()
}

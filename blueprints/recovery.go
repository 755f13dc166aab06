package blueprints

import (
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
)

// Recovery describes a disaster to plan for: regions that are lost, and
// where to rebuild each of them. Compiling with a Recovery rewrites the
// components so that one apply fails over and rebuilds.
type Recovery struct {
	Lost         []string          // region names
	Replacements map[string]string // lost region → location to rebuild it in
	// Primary, when set, names the region that serves: after a failover,
	// naming the rebuilt region fails back to it (its replica is promoted
	// and the others follow it). Empty picks the first survivor in DNS order.
	Primary string
}

// RoleLost is the role a lost region that is not rebuilt takes in the
// regions output, so it stays visible.
const RoleLost = "lost"

// RecoveryReport says what a recovery changed.
type RecoveryReport struct {
	Lost       []string          `cty:"lost"`
	NewPrimary string            `cty:"new_primary"`
	Promoted   []string          `cty:"promoted"` // replicas promoted to standalone primaries
	Restored   []string          `cty:"restored"` // databases restored from their newest copied snapshot
	Rebuilt    map[string]string `cty:"rebuilt"`  // region → new location
	Dropped    []string          `cty:"dropped"`  // component keys no longer managed
	// RTO and RPO are the worst case of this event in seconds: the
	// blueprint's figures for losing the primary, or 0 when only standbys
	// were lost (traffic and data stay where they are).
	RTO int `cty:"rto"`
	RPO int `cty:"rpo"`
}

// RecoveryType is the cty type of RecoveryReport.Value.
var RecoveryType = func() cty.Type {
	t, err := gocty.ImpliedType(RecoveryReport{})
	if err != nil {
		panic(err) // only a programming error in the struct above
	}
	return t
}()

// Value is the report as a cty object of RecoveryType; a nil report (no
// region lost) is an empty one.
func (r *RecoveryReport) Value() (cty.Value, error) {
	if r == nil {
		r = &RecoveryReport{}
	}
	v, err := gocty.ToCtyValue(r, RecoveryType)
	if err != nil {
		return cty.NilVal, err
	}
	return nonNullCollections(v), nil
}

// recoverFrom rewrites comps for the loss of rec.Lost: the first surviving
// region in DNS failover order becomes primary, its replicas of databases
// homed in a lost region are promoted (or, without a replica, the database
// is restored there from its newest copied snapshot), other replicas follow
// the new primary, DNS order moves the new primary first, a lost region's
// components are dropped, and a replaced region's tiers (and replicas) are
// built anew at the replacement location as the new standby.
func (c *compiler) recoverFrom(bp *Blueprint, comps []*Component, obj *Objectives, rec Recovery) ([]*Component, *RecoveryReport) {
	lost := map[string]bool{}
	for _, n := range rec.Lost {
		r := bp.regions[n]
		if r == nil {
			c.errorf(nil, "Unknown lost region", "lost_regions names %q, which is not a region of blueprint %q (regions: %s).", n, bp.Name, strings.Join(regionNames(bp), ", "))
			continue
		}
		lost[n] = true
	}
	for n, loc := range rec.Replacements {
		switch r := bp.regions[n]; {
		case r == nil:
			c.errorf(nil, "Unknown replaced region", "replacements names %q, which is not a region of blueprint %q.", n, bp.Name)
		case !lost[n]:
			c.errorf(nil, "Replacement for a region that is not lost", "replacements names %q, but lost_regions does not; only a lost region is rebuilt elsewhere.", n)
		case strings.TrimSpace(loc) == "":
			c.errorf(nil, "Empty replacement location", "replacements[%q] is empty; give the location to rebuild the region in.", n)
		case r.Cloud == CloudBareMetal:
			c.errorf(nil, "Bare-metal region cannot move", "Region %q is bare metal: it is rebuilt by changing its inventory, not by a location in replacements.", n)
		}
	}
	if p := rec.Primary; p != "" {
		if len(rec.Lost) == 0 {
			c.errorf(nil, "Primary region without a lost region", "primary names %q, but no region is lost: a planned switchover is written in the blueprint (region roles), not here.", p)
		} else if r := bp.regions[p]; r == nil {
			c.errorf(nil, "Unknown primary region", "primary names %q, which is not a region of blueprint %q.", p, bp.Name)
		} else if lost[p] && rec.Replacements[p] == "" {
			c.errorf(nil, "Primary region is lost", "primary names %q, which is lost and not rebuilt (replacements).", p)
		}
	}
	var survivors []*Region
	for _, r := range bp.Regions {
		if !lost[r.Name] {
			survivors = append(survivors, r)
		}
	}
	if len(lost) > 0 && len(survivors) == 0 {
		c.errorf(nil, "Every region is lost", "Blueprint %q has no region left to fail over to.", bp.Name)
	}
	if c.diags.HasErrors() || len(lost) == 0 {
		return comps, nil
	}

	oldPrimary := bp.Primary()
	failoverPrimary := pickNewPrimary(bp, lost, survivors)
	newPrimary := failoverPrimary
	if rec.Primary != "" {
		newPrimary = bp.regions[rec.Primary]
	}
	report := &RecoveryReport{Lost: sortedUnique(rec.Lost), NewPrimary: newPrimary.Name, Rebuilt: map[string]string{}}
	if oldPrimary != nil && lost[oldPrimary.Name] {
		report.RTO, report.RPO = obj.RTO, obj.RPO
	}
	moved := map[string]*Region{} // lost and rebuilt regions, relocated
	for _, r := range bp.Regions {
		loc, ok := rec.Replacements[r.Name]
		if !lost[r.Name] || !ok {
			continue
		}
		r.Zones = relocateZones(r, loc)
		r.Location = loc
		moved[r.Name] = r
		report.Rebuilt[r.Name] = loc
	}

	byKey := map[string]*Component{}
	var out []*Component
	for _, comp := range comps {
		if lost[comp.Region] {
			r := moved[comp.Region]
			switch {
			case r != nil && comp.Kind == KindLoadBalancer:
				comp.Location, comp.LoadBalancer.Zones = r.Location, regionZones(r)
			case r != nil && comp.Kind == KindScalingGroup:
				comp.Location, comp.ScalingGroup.Zones = r.Location, regionZones(r)
			case r != nil && comp.Kind == KindDatabaseReplica:
				comp.Location = r.Location
			case r != nil && comp.Kind == KindCache:
				comp.Location, comp.Cache.Zones = r.Location, regionZones(r)
			case r != nil && (comp.Kind == KindObjectStore || comp.Kind == KindAlerts):
				comp.Location = r.Location
			default:
				report.Dropped = append(report.Dropped, comp.Key)
				continue
			}
		}
		out = append(out, comp)
		byKey[comp.Key] = comp
	}

	// Databases homed in a lost region get a new primary copy.
	newHome := map[string]string{} // lost database key → key of its new primary copy
	for _, d := range bp.Databases {
		if !lost[d.Region] {
			continue
		}
		oldKey := key(d.Region, d.Name, KindDatabase)
		orig := findComponent(comps, oldKey)
		if orig == nil {
			continue
		}
		primaryKey := replicaKey(newPrimary.Name, d.Name, 1)
		if moved[newPrimary.Name] != nil && byKey[primaryKey] == nil {
			// Failing back to a rebuilt region: its replica (built by the
			// failover) is the copy to promote.
			// Its source stays what the failover made it (the failover
			// primary's copy), so failing back changes only `promote`.
			src, srcLoc := oldKey, orig.Location
			if fo := byKey[replicaKey(failoverPrimary.Name, d.Name, 1)]; fo != nil && failoverPrimary != newPrimary {
				src, srcLoc = fo.Key, fo.Location
			}
			rep := &Component{Key: primaryKey, Kind: KindDatabaseReplica, DatabaseReplica: &DatabaseReplica{
				Source: src, SourceLocation: srcLoc, InstanceClass: orig.Database.InstanceClass, Engine: orig.Database.Engine,
			}}
			setRegion(rep, bp, newPrimary, d.Name+"-replica")
			out = append(out, rep)
			byKey[primaryKey] = rep
		}
		if rep := byKey[primaryKey]; rep != nil && rep.Kind == KindDatabaseReplica {
			rep.DatabaseReplica.Promote = true
			report.Promoted = append(report.Promoted, primaryKey)
		} else if orig.Cloud == CloudBareMetal {
			plan := findComponent(comps, key(d.Region, d.Name, KindBackupPlan))
			restored := c.bareMetalRestore(bp, d, orig, plan, newPrimary, comps, byKey)
			if restored == nil {
				continue
			}
			primaryKey = restored.Key
			for _, k := range append([]string{restored.Database.HostAllocation}, restored.Key) {
				out = append(out, byKey[k])
			}
			report.Restored = append(report.Restored, primaryKey)
		} else {
			primaryKey = key(newPrimary.Name, d.Name, KindDatabase)
			db := *orig.Database
			db.RestoreFrom = oldKey
			restored := &Component{Key: primaryKey, Kind: KindDatabase, Database: &db, DependsOn: []string{}}
			setRegion(restored, bp, newPrimary, d.Name)
			out = append(out, restored)
			byKey[primaryKey] = restored
			report.Restored = append(report.Restored, primaryKey)
			if newPrimary.Cloud != orig.Cloud {
				c.warnf(nil, "Restore across clouds", "Database %q was on %s; restoring its snapshot into %s region %q is not possible, so %s starts empty.", d.Name, orig.Cloud, newPrimary.Cloud, newPrimary.Name, primaryKey)
			}
		}
		newHome[oldKey] = primaryKey
		// A rebuilt home region gets a replica of the new primary again.
		if r := moved[d.Region]; r != nil && r != newPrimary && byKey[primaryKey].Kind == KindDatabaseReplica {
			rk := replicaKey(r.Name, d.Name, 1)
			if byKey[rk] == nil {
				rep := &Component{Key: rk, Kind: KindDatabaseReplica, DatabaseReplica: &DatabaseReplica{
					Source: primaryKey, InstanceClass: orig.Database.InstanceClass, Engine: orig.Database.Engine,
				}}
				setRegion(rep, bp, r, d.Name+"-replica")
				out = append(out, rep)
				byKey[rk] = rep
			}
		}
		if orig := findComponent(comps, key(d.Region, d.Name, KindBackupPlan)); orig != nil {
			bk := *orig.BackupPlan
			bk.Database = primaryKey
			bk.CopyToRegion, bk.CopyToLocation = copyTarget(bp, newPrimary, moved, survivors)
			if bk.RepositoryAllocation != "" {
				// A restored bare-metal database's backups need a repository
				// in another site: the blueprint's backup block names it.
				bk.RepositoryAllocation = ""
				if bk.CopyToRegion != "" {
					c.warnf(nil, "Backups of the restored database", "Database %q restored in %q is not backed up by this apply: name a site for its backups in backup { copy_to = [...] } once %q is rebuilt or replaced.", d.Name, newPrimary.Name, d.Region)
				}
			}
			plan := &Component{Key: key(newPrimary.Name, d.Name, KindBackupPlan), Kind: KindBackupPlan, BackupPlan: &bk}
			setRegion(plan, bp, newPrimary, d.Name)
			out = append(out, plan)
			byKey[plan.Key] = plan
		}
	}
	recoverServices(bp, byKey, lost, moved, newPrimary)
	for _, comp := range out {
		if rep := comp.DatabaseReplica; rep != nil && newHome[rep.Source] != "" && comp.Key != newHome[rep.Source] {
			rep.Source = newHome[rep.Source]
		}
		if rep := comp.DatabaseReplica; rep != nil && byKey[rep.Source] != nil {
			rep.SourceLocation = byKey[rep.Source].Location
		}
		if bk := comp.BackupPlan; bk != nil && newHome[bk.Database] != "" {
			bk.Database = newHome[bk.Database]
		}
		if f := comp.DNSFailover; f != nil {
			reorderDNS(f, newPrimary.Name, lost, moved)
			comp.DependsOn = nil
			for _, t := range f.Targets {
				for _, k := range []string{t.LoadBalancer, t.HostAllocation, t.VirtualIP} {
					if k != "" {
						comp.DependsOn = append(comp.DependsOn, k)
					}
				}
			}
		}
		var deps []string
		for _, dep := range comp.DependsOn {
			if nk := newHome[dep]; nk != "" && nk != comp.Key {
				// A tier uses the database copy in its own region when it has one.
				dep = nk
				if local := replicaKey(comp.Region, strings.Split(dep, "/")[1], 1); comp.Kind != KindDatabaseReplica && byKey[local] != nil {
					dep = local
				}
			}
			if byKey[dep] != nil && dep != comp.Key {
				deps = append(deps, dep)
			}
		}
		if rep := comp.DatabaseReplica; rep != nil && !rep.Promote {
			deps = append(deps, rep.Source)
		}
		if bk := comp.BackupPlan; bk != nil {
			deps = append(deps, bk.Database)
		}
		comp.DependsOn = sortedUnique(deps)
	}

	for _, r := range bp.Regions {
		switch {
		case r == newPrimary:
			r.Role = RolePrimary
		case moved[r.Name] != nil:
			r.Role = RoleStandby
		case lost[r.Name]:
			r.Role = RoleLost
		case r.Role == RolePrimary:
			r.Role = RoleStandby
		}
	}
	setAlarms(bp, out, c.objectiveThresholds(bp))
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	// A key dropped with its lost region may be built again (the new
	// primary's backup plan in a rebuilt region): it is managed, not dropped.
	var dropped []string
	for _, k := range report.Dropped {
		if byKey[k] == nil {
			dropped = append(dropped, k)
		}
	}
	report.Dropped = dropped
	report.Promoted, report.Restored, report.Dropped = nonNil(report.Promoted), nonNil(report.Restored), nonNil(report.Dropped)
	sort.Strings(report.Dropped)
	return out, report
}

// pickNewPrimary keeps a surviving primary; otherwise it takes the first
// survivor in the first DNS failover order, else the first surviving standby.
func pickNewPrimary(bp *Blueprint, lost map[string]bool, survivors []*Region) *Region {
	if p := bp.Primary(); p != nil && !lost[p.Name] {
		return p
	}
	for _, d := range bp.DNS {
		for _, n := range d.Order {
			if !lost[n] && bp.regions[n] != nil {
				return bp.regions[n]
			}
		}
	}
	for _, r := range survivors {
		if r.Role == RoleStandby {
			return r
		}
	}
	return survivors[0]
}

// relocateZones maps zones to the new location by their suffix
// (us-east-1a → us-east-2a); without zones the new location's defaults apply.
func relocateZones(r *Region, loc string) []string {
	var zones []string
	for _, z := range r.Zones {
		if !strings.HasPrefix(z, r.Location) {
			return nil
		}
		zones = append(zones, loc+strings.TrimPrefix(z, r.Location))
	}
	return zones
}

// copyTarget is where a new primary's backups are copied: a rebuilt region
// first, else another survivor, else nowhere.
// bareMetalRestore rebuilds a bare-metal database whose site is lost on
// hosts of the new primary site, restored from the pgBackRest repository its
// backup plan kept there (a component of that site: it survived): a host
// allocation like the lost one's from the new site's inventory, and the
// database restoring from the repository. Without a repository (or when the
// new primary is not bare metal) it warns and returns nil.
func (c *compiler) bareMetalRestore(bp *Blueprint, d *DatabaseSpec, orig, plan *Component, to *Region, comps []*Component, byKey map[string]*Component) *Component {
	lostAlloc := findComponent(comps, orig.Database.HostAllocation)
	if plan == nil || plan.BackupPlan.RepositoryAllocation == "" || byKey[plan.BackupPlan.RepositoryAllocation] == nil || lostAlloc == nil {
		c.warnf(nil, "Bare-metal database lost", "Database %q was in bare-metal region %q, which is lost, and has no backup repository in a surviving site: it is not rebuilt.", d.Name, d.Region)
		return nil
	}
	if to.Cloud != CloudBareMetal {
		c.warnf(nil, "Restore across clouds", "Database %q was on bare metal; its pgBackRest repository cannot be restored into %s region %q, so it is not rebuilt there. Its backups stay in the repository (%s).", d.Name, cloudTitle(to.Cloud), to.Name, plan.BackupPlan.RepositoryAllocation)
		return nil
	}
	ha := *lostAlloc.HostAllocation
	ha.Inventory, ha.For = to.Inventory, to.Name+"/"+d.Name
	ha.Spread, ha.Tolerate = append([]string(nil), ha.Spread...), append([]string(nil), ha.Tolerate...)
	// Tagged restore: modules/stack places it after the other allocations,
	// so it never takes the repository's host.
	ha.Tags = map[string]string{"database": d.Name, "restore": "true"}
	alloc := &Component{Key: key(to.Name, d.Name, KindHostAllocation), Kind: KindHostAllocation, HostAllocation: &ha, DependsOn: []string{}}
	setRegion(alloc, bp, to, d.Name)
	db := *orig.Database
	db.HostAllocation, db.Primary = alloc.Key, ""
	db.RestoreFrom, db.RestoreRepository, db.RestoreStanza = orig.Key, plan.BackupPlan.RepositoryAllocation, orig.Name
	restored := &Component{Key: key(to.Name, d.Name, KindDatabase), Kind: KindDatabase, Database: &db,
		DependsOn: []string{alloc.Key, db.RestoreRepository}}
	setRegion(restored, bp, to, d.Name)
	byKey[alloc.Key], byKey[restored.Key] = alloc, restored
	return restored
}

func copyTarget(bp *Blueprint, primary *Region, moved map[string]*Region, survivors []*Region) (string, string) {
	for _, r := range bp.Regions {
		if moved[r.Name] != nil && r != primary && r.Cloud == primary.Cloud {
			return r.Name, r.Location
		}
	}
	for _, r := range survivors {
		if r != primary && r.Cloud == primary.Cloud {
			return r.Name, r.Location
		}
	}
	return "", ""
}

// reorderDNS puts the new primary first, drops lost regions that are not
// rebuilt, and moves rebuilt regions to the end (they are the new standby).
func reorderDNS(f *DNSFailover, primary string, lost map[string]bool, moved map[string]*Region) {
	byRegion := map[string]DNSTarget{}
	for _, t := range f.Targets {
		byRegion[t.Region] = t
	}
	var order, rebuilt []string
	if _, ok := byRegion[primary]; ok {
		order = append(order, primary)
	}
	for _, n := range f.Order {
		switch {
		case n == primary:
		case moved[n] != nil:
			rebuilt = append(rebuilt, n)
		case lost[n]:
		default:
			order = append(order, n)
		}
	}
	order = append(order, rebuilt...)
	f.Order = order
	f.Targets = f.Targets[:0:0]
	for _, n := range order {
		if t, ok := byRegion[n]; ok {
			f.Targets = append(f.Targets, t)
		}
	}
}

func setRegion(c *Component, bp *Blueprint, r *Region, name string) {
	c.Blueprint = bp.Name
	c.Region, c.Cloud, c.Location = r.Name, r.Cloud, r.Location
	c.Name = PhysicalName(bp.Name, r.Name, name)
	if c.DependsOn == nil {
		c.DependsOn = []string{}
	}
}

func findComponent(comps []*Component, k string) *Component {
	for _, c := range comps {
		if c.Key == k {
			return c
		}
	}
	return nil
}

func regionNames(bp *Blueprint) []string {
	var names []string
	for _, r := range bp.Regions {
		names = append(names, r.Name)
	}
	return names
}

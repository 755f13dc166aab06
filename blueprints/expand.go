package blueprints

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
)

// GlobalRegion is the region part of keys of components that belong to no
// region (DNS names).
const GlobalRegion = "global"

// expand turns the checked model into components, sorted by key, with
// dependencies pointing at keys that exist.
func (c *compiler) expand(bp *Blueprint) []*Component {
	if c.diags.HasErrors() {
		return nil
	}
	e := &expander{bp: bp, byKey: map[string]*Component{}, vips: c.vips, bmAlerts: c.bmAlerts}
	for _, t := range bp.Tiers {
		for _, r := range tierRegions(bp, t) {
			e.tier(t, r)
		}
	}
	for _, d := range bp.Databases {
		e.database(d)
	}
	e.services()
	// Tiers that use a database (or cache) depend on its copy in their region.
	for _, t := range bp.Tiers {
		if len(t.Uses) == 0 {
			continue
		}
		for _, r := range tierRegions(bp, t) {
			for _, kind := range []string{"scaling_group", "host_allocation"} {
				if comp := e.byKey[key(r.Name, t.Name, kind)]; comp != nil {
					for _, u := range t.Uses {
						comp.DependsOn = append(comp.DependsOn, e.databaseIn(u, r.Name), e.cacheIn(u, r.Name))
					}
				}
			}
		}
	}
	for _, d := range bp.DNS {
		e.dns(d)
	}
	e.alerts(c.objectiveThresholds(bp))
	for _, comp := range e.out {
		comp.DependsOn = sortedUnique(comp.DependsOn)
	}
	sort.Slice(e.out, func(i, j int) bool { return e.out[i].Key < e.out[j].Key })
	return e.out
}

type expander struct {
	bp    *Blueprint
	out   []*Component
	byKey map[string]*Component
	vips  map[string]bareMetalVIP // "REGION/TIER" → checked virtual IP
	// bmAlerts are the bare-metal regions' exporter hosts and UPS units.
	bmAlerts map[string]bareMetalAlerts
}

func key(region, name, kind string) string { return region + "/" + name + "/" + kind }

func (e *expander) add(c *Component, region *Region, name string) *Component {
	c.Blueprint = e.bp.Name
	if region != nil {
		c.Region, c.Cloud, c.Location = region.Name, region.Cloud, region.Location
		c.Name = PhysicalName(e.bp.Name, region.Name, name)
	} else {
		c.Name = PhysicalName(e.bp.Name, name)
	}
	if c.DependsOn == nil {
		c.DependsOn = []string{}
	}
	e.out = append(e.out, c)
	e.byKey[c.Key] = c
	return c
}

func regionZones(r *Region) []string {
	if len(r.Zones) > 0 {
		return append([]string(nil), r.Zones...)
	}
	// Two zones by default: enough for a load balancer to accept the subnets.
	switch r.Cloud {
	case CloudAWS:
		return []string{r.Location + "a", r.Location + "b"}
	case CloudGCP:
		return []string{r.Location + "-a", r.Location + "-b"}
	}
	return []string{}
}

func (e *expander) tier(t *Tier, r *Region) {
	if r.Cloud == CloudBareMetal {
		tags := map[string]string{"tier": t.Name}
		for k, v := range t.Tags {
			tags[k] = v
		}
		e.add(&Component{
			Key: key(r.Name, t.Name, KindHostAllocation), Kind: KindHostAllocation,
			HostAllocation: &HostAllocation{
				Inventory: r.Inventory,
				Count:     t.Desired,
				Spread:    nonNil(t.Spread),
				Require:   HostRequirement{CPUs: t.RequireCPUs, Memory: t.RequireMemoryGiB},
				Tags:      tags,
				Tolerate:  nonNil(t.Tolerate),
				For:       r.Name + "/" + t.Name,
			},
		}, r, t.Name)
		if v, ok := e.vips[r.Name+"/"+t.Name]; ok && t.LoadBalancer != nil {
			e.bareMetalLB(t, r, key(r.Name, t.Name, KindHostAllocation), v)
		}
		return
	}
	lbKey := ""
	if lb := t.LoadBalancer; lb != nil {
		lbKey = key(r.Name, t.Name, KindLoadBalancer)
		e.add(&Component{
			Key: lbKey, Kind: KindLoadBalancer,
			LoadBalancer: &LoadBalancer{
				Zones:       regionZones(r),
				Layer:       lb.Layer,
				Listeners:   append([]Listener(nil), lb.Listeners...),
				HealthCheck: lb.HealthCheck,
			},
		}, r, t.Name)
	}
	sg := &Component{
		Key: key(r.Name, t.Name, KindScalingGroup), Kind: KindScalingGroup,
		ScalingGroup: &ScalingGroup{
			Zones:                  regionZones(r),
			Image:                  pick(t.Image, r.Cloud),
			InstanceType:           pick(t.InstanceType, r.Cloud),
			MinSize:                t.Min,
			DesiredCapacity:        t.Desired,
			MaxSize:                t.Max,
			CPUTarget:              t.CPUPercent,
			HealthCheckGracePeriod: secs(t.GracePeriod),
			MinHealthyPercentage:   t.MinHealthyPercent,
			LoadBalancer:           lbKey,
		},
	}
	if lbKey != "" {
		sg.DependsOn = []string{lbKey}
	}
	e.add(sg, r, t.Name)
}

// replicaKey is the key of the n-th (from 1) replica of a database in a region.
func replicaKey(region, db string, n int) string {
	if n == 1 {
		return key(region, db, "replica")
	}
	return key(region, db, "replica-"+strconv.Itoa(n))
}

func (e *expander) database(d *DatabaseSpec) {
	home := e.bp.regions[d.Region]
	if home == nil {
		return
	}
	retention := 7
	if d.Backup != nil {
		retention = min(max(int(d.Backup.Retain.Hours()/24), 1), 35)
	}
	if home.Cloud == CloudBareMetal {
		budget := 0
		if o := e.bp.Objectives; o != nil && o.Has("rto") {
			budget = secs(o.RTO)
		}
		e.bareMetalDatabase(d, home, budget)
		if bk := d.Backup; bk != nil {
			e.backupPlan(d, home, key(home.Name, d.Name, KindDatabase))
		}
		return
	}
	dbKey := key(home.Name, d.Name, KindDatabase)
	class := pick(d.InstanceClass, home.Cloud)
	e.add(&Component{
		Key: dbKey, Kind: KindDatabase,
		Database: &Database{
			Engine:                d.Engine,
			EngineVersion:         d.Version,
			InstanceClass:         class,
			AllocatedStorage:      d.StorageGiB,
			MultiAZ:               d.MultiAZ,
			StorageEncrypted:      d.Backup == nil || d.Backup.Encrypted,
			BackupRetentionPeriod: retention,
			DeletionProtection:    d.DeletionProtection,
		},
	}, home, d.Name)
	replica := func(r *Region, n int) {
		name := d.Name + "-replica"
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		e.add(&Component{
			Key: replicaKey(r.Name, d.Name, n), Kind: KindDatabaseReplica, DependsOn: []string{dbKey},
			DatabaseReplica: &DatabaseReplica{Source: dbKey, SourceLocation: home.Location, InstanceClass: class, Engine: d.Engine},
		}, r, name)
	}
	for n := 1; n <= d.Replication.Replicas; n++ {
		replica(home, n)
	}
	for _, rn := range replicaRegions(e.bp, d) {
		if r := e.bp.regions[rn]; r != nil {
			replica(r, 1)
		}
	}
	if d.Backup != nil {
		e.backupPlan(d, home, dbKey)
	}
}

// backupPlan adds the backup plan of database d (dbKey), when it has one.
func (e *expander) backupPlan(d *DatabaseSpec, home *Region, dbKey string) {
	if bk := d.Backup; bk != nil {
		bp := &BackupPlan{
			Schedule:      bk.Cron,
			RetentionDays: max(int(bk.Retain.Hours()/24), 1),
			Encrypted:     bk.Encrypted,
			Database:      dbKey,
		}
		deps := []string{dbKey}
		if len(bk.CopyTo) > 0 {
			if r := e.bp.regions[bk.CopyTo[0]]; r != nil {
				bp.CopyToRegion, bp.CopyToLocation = r.Name, r.Location
				if home.Cloud == CloudBareMetal && r.Cloud == CloudBareMetal {
					bp.RepositoryAllocation = e.repositoryAllocation(d, home, r)
					deps = append(deps, bp.RepositoryAllocation)
				}
			}
		}
		e.add(&Component{
			Key: key(home.Name, d.Name, KindBackupPlan), Kind: KindBackupPlan, DependsOn: deps,
			BackupPlan: bp,
		}, home, d.Name)
	}
}

// repositoryAllocation adds the host that holds a bare-metal database's
// pgBackRest repository: one host from the inventory of the copy_to region,
// so that backups leave the site. It is a component of that region, so
// that it survives the loss of the database's (a restore reads it then);
// its `for` names the plan, whose state manages it (modules/stack).
func (e *expander) repositoryAllocation(d *DatabaseSpec, home, to *Region) string {
	k := key(to.Name, d.Name+"-repository", KindHostAllocation)
	e.add(&Component{
		Key: k, Kind: KindHostAllocation,
		HostAllocation: &HostAllocation{
			Inventory: to.Inventory,
			Count:     1,
			Spread:    []string{},
			Tags:      map[string]string{"backup": d.Name},
			Tolerate:  []string{},
			For:       home.Name + "/" + d.Name + "/backup_plan",
		},
	}, to, d.Name+"-repository")
	return k
}

// databaseIn is the key of database db's copy in region: itself at home, a
// replica there, or the primary when the region has none.
func (e *expander) databaseIn(db, region string) string {
	for _, d := range e.bp.Databases {
		if d.Name != db {
			continue
		}
		if d.Region != region {
			if _, ok := e.byKey[replicaKey(region, db, 1)]; ok {
				return replicaKey(region, db, 1)
			}
		}
		return key(d.Region, db, KindDatabase)
	}
	return ""
}

func (e *expander) dns(d *DNSSpec) {
	t := e.bp.tiers[d.Tier]
	if t == nil {
		return
	}
	comp := &Component{Key: key(GlobalRegion, d.FQDN, KindDNSFailover), Kind: KindDNSFailover}
	hc := d.HealthCheck
	if lb := t.LoadBalancer; lb != nil {
		if hc.Protocol == "" {
			hc.Protocol = lb.HealthCheck.Protocol
		}
		if hc.Port == 0 {
			hc.Port = lb.Listeners[0].Port
		}
		if hc.Path == "" && hc.Protocol != "TCP" {
			hc.Path = lb.HealthCheck.Path
		}
	}
	if hc.Protocol == "" {
		hc.Protocol = "HTTP"
	}
	if hc.Port == 0 {
		hc.Port = 80
		if hc.Protocol == "HTTPS" {
			hc.Port = 443
		}
	}
	if hc.Path == "" && hc.Protocol != "TCP" {
		hc.Path = "/"
	}
	f := &DNSFailover{
		FQDN: d.FQDN, Zone: d.Zone, TTL: d.TTL, Backend: dnsBackend(e.bp, d), Mode: d.Mode,
		Order: append([]string{}, d.Order...), Targets: []DNSTarget{}, HealthCheck: hc,
	}
	for _, rn := range d.Order {
		tg := DNSTarget{Region: rn, Weight: d.Weights[rn]}
		// A bare-metal region is reached through its hosts (or their VIP),
		// not a cloud load balancer: its load_balancer component is HAProxy.
		if k := key(rn, t.Name, KindLoadBalancer); e.byKey[k] != nil && e.byKey[k].Cloud != CloudBareMetal {
			tg.LoadBalancer = k
		} else if k := key(rn, t.Name, KindHostAllocation); e.byKey[k] != nil {
			tg.HostAllocation = k
			if v := key(rn, t.Name, KindVirtualIP); e.byKey[v] != nil {
				tg.VirtualIP = v
				comp.DependsOn = append(comp.DependsOn, v)
			}
		}
		if tg.LoadBalancer != "" {
			comp.DependsOn = append(comp.DependsOn, tg.LoadBalancer)
		}
		if tg.HostAllocation != "" {
			comp.DependsOn = append(comp.DependsOn, tg.HostAllocation)
		}
		f.Targets = append(f.Targets, tg)
	}
	comp.DNSFailover = f
	e.add(comp, nil, d.FQDN)
}

// maxNameLen bounds physical names: the tightest of the backends (AWS load
// balancer and target group names) allows 32 characters.
const maxNameLen = 32

// PhysicalName joins parts with "-", lower-case, keeping [a-z0-9-]. A name
// longer than 32 characters is cut and given a hash of the whole, so that
// two long names stay distinct.
func PhysicalName(parts ...string) string {
	var b strings.Builder
	dash := true // no leading dash
	for _, p := range parts {
		if p == "" {
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
		for _, r := range strings.ToLower(p) {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
				b.WriteRune(r)
				dash = false
			default:
				if !dash {
					b.WriteByte('-')
					dash = true
				}
			}
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) <= maxNameLen {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	h := hex.EncodeToString(sum[:])[:8]
	return strings.TrimRight(s[:maxNameLen-9], "-") + "-" + h
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return append([]string(nil), ss...)
}

func sortedUnique(ss []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

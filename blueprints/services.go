package blueprints

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
	"github.com/hashicorp/hcl/v2"
)

// This file holds the blocks around the web tiers and databases: a session
// store (cache), replicated object storage (object_store) and the
// notification targets of monitoring (alerts).

// CacheSpec is one replicated in-memory store (sessions).
type CacheSpec struct {
	Name        string
	Region      string
	Engine      string // redis or valkey
	Version     string
	NodeType    map[string]string
	Replicas    int // replica nodes in each group besides the primary node
	CrossRegion bool
	Regions     []string
	MaxLag      time.Duration
	bareMetal   bool // homed in a bare_metal region (set by validation)
	// Durable says losing the cache's contents counts as data loss (RPO);
	// false for a session store whose loss signs users out.
	Durable bool
	// Bare metal: Hosts is the number of hosts running Redis and Sentinel
	// (default 3); DownAfter is Sentinel's down-after-milliseconds (0:
	// derived from the objectives).
	Hosts     int
	DownAfter time.Duration
	ranges
}

// ObjectStoreSpec is one bucket with its copy in another region.
type ObjectStoreSpec struct {
	Name       string
	Region     string
	Versioning bool
	CopyTo     []string
	MaxLag     time.Duration
	ranges
}

// AlertsSpec is where alarms are sent.
type AlertsSpec struct {
	Emails   []string
	Webhooks []string
	ranges
}

var (
	cacheSchema = &hcl.BodySchema{Attributes: required(attrs("description", "region", "engine", "version", "node_type",
		"replicas", "cross_region", "regions", "max_lag", "durable", "hosts", "down_after"), "engine", "version")}
	objectStoreSchema = &hcl.BodySchema{Attributes: attrs("description", "region", "versioning", "copy_to", "max_lag")}
	alertsSchema      = &hcl.BodySchema{Attributes: attrs("email", "webhook")}
)

func (c *compiler) decodeCache(b *hcl.Block) *CacheSpec {
	r := c.read(b.Body, cacheSchema, b.DefRange)
	s := &CacheSpec{Name: b.Labels[0], ranges: r.ranges}
	_ = r.str("description", "")
	s.Region = r.str("region", "")
	s.Engine = r.str("engine", "")
	if s.Engine != "" {
		r.oneOf("engine", s.Engine, "redis", "valkey")
	}
	s.Version = r.str("version", "")
	s.NodeType = r.perCloud("node_type")
	s.Replicas = r.integer("replicas", 1, 0, 5)
	s.CrossRegion = r.boolean("cross_region", false)
	s.Regions = r.strList("regions")
	s.MaxLag = r.duration("max_lag", 0)
	s.Durable = r.boolean("durable", false)
	s.Hosts = r.integer("hosts", 3, 3, 9)
	s.DownAfter = r.duration("down_after", 0)
	return s
}

func (c *compiler) decodeObjectStore(b *hcl.Block) *ObjectStoreSpec {
	r := c.read(b.Body, objectStoreSchema, b.DefRange)
	s := &ObjectStoreSpec{Name: b.Labels[0], ranges: r.ranges}
	_ = r.str("description", "")
	s.Region = r.str("region", "")
	s.Versioning = r.boolean("versioning", true)
	s.CopyTo = r.strList("copy_to")
	s.MaxLag = r.duration("max_lag", 0)
	return s
}

func (c *compiler) decodeAlerts(b *hcl.Block) *AlertsSpec {
	r := c.read(b.Body, alertsSchema, b.DefRange)
	return &AlertsSpec{Emails: r.strList("email"), Webhooks: r.strList("webhook"), ranges: r.ranges}
}

var (
	awsCacheNodeRe = lazyregexp.New(`^cache\.[a-z][a-z0-9]*\.[a-z0-9]+$`)
	emailRe        = lazyregexp.New(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func (c *compiler) validateServices(bp *Blueprint) {
	for _, s := range bp.Caches {
		c.validateCache(bp, s)
	}
	for _, s := range bp.ObjectStores {
		c.validateObjectStore(bp, s)
	}
	if a := bp.Alerts; a != nil {
		if len(a.Emails) == 0 && len(a.Webhooks) == 0 {
			c.errorf(&a.Def, "Alerts without a target", "An alerts block needs at least one email or webhook to send alarms to.")
		}
		for _, e := range a.Emails {
			if !emailRe.MatchString(e) {
				c.errorf(a.At("email"), "Invalid email address", "%q is not an email address.", e)
			}
		}
		for _, w := range a.Webhooks {
			if u, err := url.Parse(w); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				c.errorf(a.At("webhook"), "Invalid webhook", "A webhook is an http:// or https:// URL; %q is not.", redactURL(w))
			}
		}
		c.validateBareMetalAlerts(bp)
	}
}

// redactURL drops the query and user info of a webhook URL, which often
// carry its secret, before it goes into a message.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		if len(s) > 12 {
			return s[:12] + "…"
		}
		return s
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}

// homeRegion is the region a cache or object store lives in: the one named,
// else the primary.
func homeRegion(bp *Blueprint, name string) string {
	if name != "" {
		return name
	}
	return primaryName(bp)
}

func (c *compiler) validateCache(bp *Blueprint, s *CacheSpec) {
	s.Region = homeRegion(bp, s.Region)
	home := bp.regions[s.Region]
	if home == nil {
		if s.Region != "" {
			c.errorf(s.At("region"), "Reference to undeclared region", "Cache %q is placed in region %q, which is not declared.%s", s.Name, s.Region, suggest(s.Region, c.regionNames))
		}
		return
	}
	if home.Cloud == CloudBareMetal {
		c.validateBareMetalCache(bp, s, home)
	} else if len(s.NodeType) == 0 {
		c.errorf(&s.Def, "Missing required argument", "The argument \"node_type\" is required for a cache on %s.", home.Cloud)
	}
	if home.Cloud == CloudAWS {
		if nt := pick(s.NodeType, CloudAWS); nt != "" && !awsCacheNodeRe.MatchString(nt) {
			c.errorf(s.At("node_type"), "Invalid node type", "%q is not an ElastiCache node type (such as \"cache.t3.micro\").", nt)
		}
	}
	if s.Replicas == 0 {
		c.errorf(s.At("replicas"), "Cache without a replica", "Cache %q has replicas = 0: automatic failover needs at least one replica in another zone.", s.Name)
	}
	if s.CrossRegion && s.Regions != nil {
		c.errorf(s.At("regions"), "Conflicting replication", "Set either cross_region = true (a copy in every standby region of the same cloud) or regions, not both.")
	}
	for _, n := range cacheRegions(bp, s) {
		r := bp.regions[n]
		switch {
		case r == nil:
			c.errorf(s.At("regions"), "Reference to undeclared region", "Cache %q replicates to region %q, which is not declared.%s", s.Name, n, suggest(n, c.regionNames))
		case n == home.Name:
			c.errorf(s.At("regions"), "Copy in the home region", "Cache %q lives in %q; regions lists other regions.", s.Name, n)
		case r.Cloud != home.Cloud:
			c.errorf(s.At("regions"), "Cross-cloud replication", "Cache %q is on %s; region %q is %s. Copies stay within one cloud.", s.Name, home.Cloud, n, r.Cloud)
		}
	}
	if len(cacheRegions(bp, s)) > 0 && home.Cloud == CloudAWS && cacheReplication(s) == "per_region" {
		c.warnf(s.At("node_type"), "Cache copied per region",
			"Cache %q (%s %s, %s) cannot join an ElastiCache Global Datastore (it needs Redis OSS 5.0.6 or later or Valkey 7.2 or later on a node type other than the T family), so each standby region gets its own replication group: sessions are not copied across regions, and users of a lost region sign in again.",
			s.Name, s.Engine, s.Version, pick(s.NodeType, CloudAWS))
	}
}

// cacheRegions are the regions that get a copy of s, besides its own.
func cacheRegions(bp *Blueprint, s *CacheSpec) []string {
	if s.Regions != nil {
		return s.Regions
	}
	if !s.CrossRegion {
		return nil
	}
	home := bp.regions[s.Region]
	var out []string
	for _, r := range bp.Regions {
		if home != nil && r != home && r.Cloud == home.Cloud {
			out = append(out, r.Name)
		}
	}
	return out
}

// cacheReplication is how copies in other regions follow: an ElastiCache
// Global Datastore where the engine and node type allow it, else separate
// groups per region.
func cacheReplication(s *CacheSpec) string {
	if s.bareMetal {
		return "per_region"
	}
	nt := pick(s.NodeType, CloudAWS)
	if strings.HasPrefix(nt, "cache.t") {
		return "per_region"
	}
	min := "5.0.6"
	if s.Engine == "valkey" {
		min = "7.2"
	}
	if versionAtLeast(s.Version, min) {
		return "global_datastore"
	}
	return "per_region"
}

// versionAtLeast compares dotted numeric versions ("7.1" ≥ "5.0.6").
func versionAtLeast(v, min string) bool {
	a, b := strings.Split(v, "."), strings.Split(min, ".")
	for i := 0; i < len(b); i++ {
		x := 0
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		y, _ := strconv.Atoi(b[i])
		if x != y {
			return x > y
		}
	}
	return true
}

func (c *compiler) validateObjectStore(bp *Blueprint, s *ObjectStoreSpec) {
	s.Region = homeRegion(bp, s.Region)
	home := bp.regions[s.Region]
	if home == nil {
		if s.Region != "" {
			c.errorf(s.At("region"), "Reference to undeclared region", "Object store %q is placed in region %q, which is not declared.%s", s.Name, s.Region, suggest(s.Region, c.regionNames))
		}
		return
	}
	if home.Cloud == CloudBareMetal {
		c.errorf(s.At("region"), "No object store on this site", "Object store %q is in bare_metal region %q, whose site has no object store: put it in an aws or gcp region (region = region.NAME), or keep the files on the hosts and copy them with a backup.", s.Name, home.Name)
		return
	}
	if len(s.CopyTo) > 1 {
		c.errorf(s.At("copy_to"), "Too many copies", "copy_to names one region in this version; object store %q lists %d.", s.Name, len(s.CopyTo))
	}
	for _, n := range s.CopyTo {
		r := bp.regions[n]
		switch {
		case r == nil:
			c.errorf(s.At("copy_to"), "Reference to undeclared region", "copy_to names region %q, which is not declared.%s", n, suggest(n, c.regionNames))
		case n == home.Name:
			c.errorf(s.At("copy_to"), "Copy to the same region", "copy_to must name another region than the object store's own (%q): a copy in the same region does not survive losing it.", n)
		case r.Cloud == CloudBareMetal:
			c.errorf(s.At("copy_to"), "No object store on this site", "copy_to names bare_metal region %q, whose site has no object store to copy into.", n)
		case r.Cloud != home.Cloud:
			c.errorf(s.At("copy_to"), "Copy to another cloud", "Object store %q is on %s; copy_to region %q is %s. Copies stay within one cloud.", s.Name, home.Cloud, n, r.Cloud)
		}
	}
	if len(s.CopyTo) == 0 && bp.Objectives == nil {
		c.warnf(&s.Def, "Object store does not survive its region", "Object store %q has no copy outside region %q: losing the region loses its files. Add copy_to = [region.NAME].", s.Name, home.Name)
	}
	if len(s.CopyTo) > 0 && !s.Versioning {
		c.errorf(s.At("versioning"), "Copy without versioning", "Object store %q copies to %s, which needs versioning on both buckets: remove versioning = false.", s.Name, s.CopyTo[0])
	}
}

// Cache is the ha_cache input: one replication group.
type Cache struct {
	Engine            string   `cty:"engine"`
	EngineVersion     string   `cty:"engine_version"`
	NodeType          string   `cty:"node_type"`
	Replicas          int      `cty:"replicas"`
	Zones             []string `cty:"zones"`
	MultiAZ           bool     `cty:"multi_az"`
	AutomaticFailover bool     `cty:"automatic_failover"`
	TransitEncryption bool     `cty:"transit_encryption"`
	AtRestEncryption  bool     `cty:"at_rest_encryption"`
	// Role is primary or standby; Primary is the key of the primary
	// group a standby copies from ("" for the primary).
	Role    string `cty:"role"`
	Primary string `cty:"primary"`
	// Replication is how standby groups follow: global_datastore,
	// per_region (separate groups, contents not copied) or "" (no copy).
	Replication string `cty:"replication"`
	// Bare metal (else "" and 0): the cache's own host_allocation
	// component (one Redis and one Sentinel per member), the region's
	// inventory, and Sentinel's down-after-milliseconds.
	HostAllocation string `cty:"host_allocation"`
	Inventory      string `cty:"inventory"`
	DownAfterMS    int    `cty:"down_after_ms"`
}

// ObjectStore is the ha_object_store input: one bucket.
type ObjectStore struct {
	Versioning        bool   `cty:"versioning"`
	Encryption        string `cty:"encryption"`
	BlockPublicAccess bool   `cty:"block_public_access"`
	// CopyTo is the key of the bucket this one replicates into, and
	// CopyToLocation where it is ("" without a copy).
	CopyTo         string `cty:"copy_to"`
	CopyToLocation string `cty:"copy_to_location"`
	// Role is primary or replica; Source is the key of the bucket that
	// copies into a replica.
	Role   string `cty:"role"`
	Source string `cty:"source"`
}

// Alerts is the ha_alerts input: one region's notification topic and the
// alarms on the region's components.
type Alerts struct {
	Emails   []string `cty:"emails"`
	Webhooks []string `cty:"webhooks"`
	Alarms   []Alarm  `cty:"alarms"`
	// Bare metal: the inventory and the host of it that runs the exporter
	// ("" on clouds). The UPS alarms' targets are the inventory's UPS
	// names; ha_alerts takes their NUT addresses (data.ha_inventory).
	Inventory string `cty:"inventory"`
	Host      string `cty:"host"`
	ups       []string
}

// Alarm is one watched condition, cloud-neutral: the backend maps Metric to
// its monitoring service. Target is the physical name of the watched object.
type Alarm struct {
	Name              string `cty:"name"`
	Component         string `cty:"component"`
	Metric            string `cty:"metric"`
	Target            string `cty:"target"`
	Comparison        string `cty:"comparison"`
	Threshold         int    `cty:"threshold"`
	Period            int    `cty:"period"`
	EvaluationPeriods int    `cty:"evaluation_periods"`
}

// Alarm metrics, one per failure an operator must hear about.
const (
	MetricUnhealthyHosts       = "unhealthy_hosts"        // load balancer targets failing health checks
	MetricAtMaxCapacity        = "at_max_capacity"        // scaling group cannot grow further
	MetricReplicaLag           = "replica_lag"            // database replica behind its source, seconds
	MetricBackupJobFailures    = "backup_job_failures"    // failed backup jobs
	MetricCacheReplicationLag  = "cache_replication_lag"  // cache copy behind, seconds
	MetricObjectReplicationLag = "object_replication_lag" // bucket copy behind, seconds
	MetricUPSOnBattery         = "ups_on_battery"         // bare metal: UPS on battery (1) or on line (0)
	MetricUPSLowRuntime        = "ups_low_runtime"        // bare metal: UPS battery runtime left, seconds
)

// thresholds are what alarms derive from the objectives: how many periods
// may pass before an alarm fires (a quarter of the RTO budget in minutes,
// 1 to 5; 3 without a budget), and the largest lag threshold (the RPO
// budget).
type thresholds struct {
	EvaluationPeriods int
	LagBound          int // seconds; 0: none from the objectives
}

func (c *compiler) objectiveThresholds(bp *Blueprint) thresholds {
	t := thresholds{EvaluationPeriods: 3}
	if o := bp.Objectives; o != nil {
		if o.RTO > 0 {
			t.EvaluationPeriods = min(max(int(o.RTO/time.Minute)/4, 1), 5)
		}
		if o.RPO > 0 {
			t.LagBound = secs(o.RPO)
		}
	}
	return t
}

// cacheIn is the key of cache's group in region, or "" when name is no
// cache (a database) or the cache has no group there.
func (e *expander) cacheIn(name, region string) string {
	for _, s := range e.bp.Caches {
		if s.Name != name {
			continue
		}
		if k := key(region, name, KindCache); e.byKey[k] != nil {
			return k
		}
		return key(s.Region, name, KindCache)
	}
	return ""
}

// services expands caches and object stores.
func (e *expander) services() {
	for _, s := range e.bp.Caches {
		home := e.bp.regions[s.Region]
		if home == nil {
			continue
		}
		others := cacheRegions(e.bp, s)
		repl := ""
		if len(others) > 0 {
			repl = cacheReplication(s)
		}
		group := func(r *Region, role, primary string) {
			c := &Component{Key: key(r.Name, s.Name, KindCache), Kind: KindCache, Cache: &Cache{
				Engine: s.Engine, EngineVersion: s.Version, NodeType: pick(s.NodeType, r.Cloud), Replicas: s.Replicas,
				Zones: regionZones(r), MultiAZ: true, AutomaticFailover: true, TransitEncryption: true, AtRestEncryption: true,
				Role: role, Primary: primary, Replication: repl,
			}}
			if primary != "" && repl == "global_datastore" {
				c.DependsOn = []string{primary}
			}
			if r.Cloud == CloudBareMetal {
				e.bareMetalCache(s, r, c)
			}
			e.add(c, r, s.Name)
		}
		pk := key(home.Name, s.Name, KindCache)
		group(home, RolePrimary, "")
		for _, n := range others {
			if r := e.bp.regions[n]; r != nil {
				group(r, RoleStandby, pk)
			}
		}
	}
	for _, s := range e.bp.ObjectStores {
		home := e.bp.regions[s.Region]
		if home == nil {
			continue
		}
		primary := &Component{Key: key(home.Name, s.Name, KindObjectStore), Kind: KindObjectStore, ObjectStore: &ObjectStore{
			Versioning: s.Versioning, Encryption: "AES256", BlockPublicAccess: true, Role: RolePrimary,
		}}
		if len(s.CopyTo) > 0 {
			if r := e.bp.regions[s.CopyTo[0]]; r != nil {
				rk := key(r.Name, s.Name, KindObjectStore)
				e.add(&Component{Key: rk, Kind: KindObjectStore, ObjectStore: &ObjectStore{
					Versioning: true, Encryption: "AES256", BlockPublicAccess: true, Role: "replica", Source: primary.Key,
				}}, r, s.Name)
				primary.ObjectStore.CopyTo, primary.ObjectStore.CopyToLocation = rk, r.Location
				// Replication needs the destination bucket first.
				primary.DependsOn = []string{rk}
			}
		}
		e.add(primary, home, s.Name)
	}
}

// alerts adds one alerts component per region (bare-metal regions have
// none in this version) when the blueprint has an alerts block.
func (e *expander) alerts(t thresholds) {
	a := e.bp.Alerts
	if a == nil {
		return
	}
	for _, r := range e.bp.Regions {
		al := &Alerts{Emails: nonNil(a.Emails), Webhooks: nonNil(a.Webhooks)}
		if r.Cloud == CloudBareMetal {
			bm, ok := e.bmAlerts[r.Name]
			if !ok {
				continue
			}
			al.Emails, al.Inventory, al.Host, al.ups = []string{}, bm.inventory, bm.host, bm.ups
		}
		e.add(&Component{Key: key(r.Name, "alerts", KindAlerts), Kind: KindAlerts, Alerts: al}, r, "alerts")
	}
	setAlarms(e.bp, e.out, t)
}

// setAlarms fills each region's alerts component with the alarms of the
// region's components (called again after a recovery rewrote them).
func setAlarms(bp *Blueprint, comps []*Component, t thresholds) {
	byRegion := map[string]*Component{}
	for _, c := range comps {
		if c.Kind == KindAlerts {
			byRegion[c.Region] = c
			c.Alerts.Alarms = []Alarm{}
			c.DependsOn = []string{}
		}
	}
	// A lag alarm fires above the bound the RPO computation assumes
	// (max_lag, else the planning figure), never later than the RPO budget.
	lagOf := func(maxLag time.Duration, def int) int {
		v := def
		if maxLag > 0 {
			v = secs(maxLag)
		}
		if t.LagBound > 0 && v > t.LagBound {
			v = t.LagBound
		}
		return v
	}
	for _, al := range byRegion {
		// Bare metal: the site's UPS units, polled every 10 s; low
		// runtime leaves the RTO budget and a shutdown margin.
		for _, u := range al.Alerts.ups {
			for _, m := range []struct {
				metric, cmp string
				threshold   int
			}{{MetricUPSOnBattery, ">=", 1}, {MetricUPSLowRuntime, "<", lowRuntimeSeconds(bp)}} {
				al.Alerts.Alarms = append(al.Alerts.Alarms, Alarm{
					Name: PhysicalName(bp.Name, al.Region, u, strings.ReplaceAll(strings.TrimPrefix(m.metric, "ups_"), "_", "-")), Component: al.Key,
					Metric: m.metric, Target: u, Comparison: m.cmp, Threshold: m.threshold, Period: UPSAlarmPeriod, EvaluationPeriods: t.EvaluationPeriods,
				})
			}
		}
	}
	for _, c := range comps {
		al := byRegion[c.Region]
		if al == nil {
			continue
		}
		add := func(metric, cmp string, threshold, period int) {
			al.Alerts.Alarms = append(al.Alerts.Alarms, Alarm{
				Name: PhysicalName(c.Name, strings.ReplaceAll(metric, "_", "-")), Component: c.Key, Metric: metric, Target: c.Name,
				Comparison: cmp, Threshold: threshold, Period: period, EvaluationPeriods: t.EvaluationPeriods,
			})
			al.DependsOn = append(al.DependsOn, c.Key)
		}
		if al.Cloud == CloudBareMetal {
			// The exporter makes a load balancer's HTTP health check
			// against each of its hosts, as often as HAProxy does; it
			// watches nothing else of the region's components yet.
			if hc := c.LoadBalancer; c.Kind == KindLoadBalancer && strings.HasPrefix(strings.ToUpper(hc.HealthCheck.Protocol), "HTTP") {
				add(MetricUnhealthyHosts, ">", 0, max(hc.HealthCheck.Interval, 1))
			}
			continue
		}
		switch c.Kind {
		case KindLoadBalancer:
			add(MetricUnhealthyHosts, ">", 0, 60)
		case KindScalingGroup:
			add(MetricAtMaxCapacity, ">=", c.ScalingGroup.MaxSize, 60)
		case KindDatabaseReplica:
			var maxLag time.Duration
			for _, d := range bp.Databases {
				if strings.Contains(c.Key, "/"+d.Name+"/") {
					maxLag = d.Replication.MaxLag
				}
			}
			add(MetricReplicaLag, ">", lagOf(maxLag, ReplicationLag[CloudAWS].Seconds), 60)
		case KindBackupPlan:
			add(MetricBackupJobFailures, ">", 0, 300)
		case KindCache:
			if c.Cache.Replication == "global_datastore" && c.Cache.Role == RoleStandby {
				var maxLag time.Duration
				for _, s := range bp.Caches {
					if strings.Contains(c.Key, "/"+s.Name+"/") {
						maxLag = s.MaxLag
					}
				}
				add(MetricCacheReplicationLag, ">", lagOf(maxLag, CacheReplicationLag.Seconds), 60)
			}
		case KindObjectStore:
			if c.ObjectStore.CopyTo != "" {
				var maxLag time.Duration
				for _, s := range bp.ObjectStores {
					if strings.Contains(c.Key, "/"+s.Name+"/") {
						maxLag = s.MaxLag
					}
				}
				add(MetricObjectReplicationLag, ">", lagOf(maxLag, ObjectReplicationLag.Seconds), 300)
			}
		}
	}
	for _, al := range byRegion {
		al.DependsOn = sortedUnique(al.DependsOn)
	}
}

// CacheReplicationLag and ObjectReplicationLag are the planning bounds of
// cross-region copies when max_lag does not say.
var (
	CacheReplicationLag  = Constant{1, "Amazon ElastiCache Global Datastore replicates across regions with typically under one second of latency; planned at 1 s (alert above it)"}
	CachePromotionTime   = Constant{60, "Amazon ElastiCache User Guide, \"Promoting the secondary cluster to primary\" (Global Datastore): promotion takes under a minute; planned at 1 min"}
	ObjectReplicationLag = Constant{900, "Amazon S3 Replication Time Control replicates 99.99% of objects within 15 minutes; planned at 15 min (alert above it)"}
)

// serviceObjectives adds caches and object stores homed in the lost
// primary to the recovery steps: the slowest recovery and the largest loss
// decide, as for databases.
func serviceObjectives(bp *Blueprint, primary *Region) (rec []Step, loss []Step, lost []string) {
	for _, s := range bp.Caches {
		if s.Region != primary.Name {
			continue
		}
		others := cacheRegions(bp, s)
		switch {
		case len(others) == 0:
			if s.Durable {
				lost = append(lost, "cache "+s.Name)
			} else {
				loss = append(loss, Step{"cache_not_copied", 0, fmt.Sprintf("cache %s has no copy outside %s: its sessions are lost and users sign in again (durable = false, not counted)", s.Name, primary.Name)})
			}
		case cacheReplication(s) == "global_datastore":
			rec = append(rec, Step{"cache_promotion", CachePromotionTime.Seconds, fmt.Sprintf("promote %s; %s", key(others[0], s.Name, KindCache), CachePromotionTime.Source)})
			lag := Step{"cache_replication_lag", CacheReplicationLag.Seconds, fmt.Sprintf("%s: %s", s.Name, CacheReplicationLag.Source)}
			if s.MaxLag > 0 {
				lag.Seconds, lag.Detail = secs(s.MaxLag), fmt.Sprintf("%s: cross-region lag bound set by max_lag", s.Name)
			}
			loss = append(loss, lag)
		default:
			if s.Durable {
				lost = append(lost, "cache "+s.Name)
			} else {
				loss = append(loss, Step{"cache_not_copied", 0, fmt.Sprintf("cache %s: the group in %s is separate (per region), so sessions of %s are lost and users sign in again (durable = false, not counted)", s.Name, others[0], primary.Name)})
			}
		}
	}
	for _, s := range bp.ObjectStores {
		if s.Region != primary.Name {
			continue
		}
		if len(s.CopyTo) == 0 {
			lost = append(lost, "object store "+s.Name)
			continue
		}
		lag := Step{"object_replication_lag", ObjectReplicationLag.Seconds, fmt.Sprintf("%s: %s", s.Name, ObjectReplicationLag.Source)}
		if s.MaxLag > 0 {
			lag.Seconds, lag.Detail = secs(s.MaxLag), fmt.Sprintf("%s: copy lag bound set by max_lag", s.Name)
		}
		loss = append(loss, lag)
	}
	return rec, loss, lost
}

// recoverServices rewrites caches and object stores after regions are lost
// (byKey holds the surviving and relocated components): the group or bucket
// in the new primary region takes over, a rebuilt region gets a new copy,
// and copies in lost regions that are not rebuilt are forgotten.
func recoverServices(bp *Blueprint, byKey map[string]*Component, lost map[string]bool, moved map[string]*Region, newPrimary *Region) {
	for _, s := range bp.Caches {
		serving := key(s.Region, s.Name, KindCache)
		if lost[s.Region] {
			if k := key(newPrimary.Name, s.Name, KindCache); byKey[k] != nil {
				serving = k
			}
		}
		if byKey[serving] == nil {
			continue
		}
		for _, r := range bp.Regions {
			c := byKey[key(r.Name, s.Name, KindCache)]
			if c == nil {
				continue
			}
			c.DependsOn = []string{}
			if c.Key == serving {
				c.Cache.Role, c.Cache.Primary = RolePrimary, ""
				continue
			}
			c.Cache.Role, c.Cache.Primary = RoleStandby, serving
			if c.Cache.Replication == "global_datastore" {
				c.DependsOn = []string{serving}
			}
		}
	}
	for _, s := range bp.ObjectStores {
		var copyRegion string
		if len(s.CopyTo) > 0 {
			copyRegion = s.CopyTo[0]
		}
		serving, replica := s.Region, copyRegion
		if lost[s.Region] {
			switch {
			case byKey[key(newPrimary.Name, s.Name, KindObjectStore)] != nil:
				serving = newPrimary.Name
			case copyRegion != "" && !lost[copyRegion]:
				serving = copyRegion
			}
			if serving != s.Region {
				replica = s.Region
			}
		}
		for _, r := range bp.Regions {
			if r := moved[r.Name]; r != nil {
				// A rebuilt region's bucket is new: bucket names are global
				// and the lost one may still exist.
				if c := byKey[key(r.Name, s.Name, KindObjectStore)]; c != nil {
					c.Name = PhysicalName(bp.Name, r.Name, s.Name, r.Location)
				}
			}
		}
		sc := byKey[key(serving, s.Name, KindObjectStore)]
		if sc == nil {
			continue
		}
		sc.ObjectStore.Role, sc.ObjectStore.Source = RolePrimary, ""
		sc.ObjectStore.CopyTo, sc.ObjectStore.CopyToLocation = "", ""
		sc.DependsOn = []string{}
		if rc := byKey[key(replica, s.Name, KindObjectStore)]; rc != nil && replica != serving {
			rc.ObjectStore.Role, rc.ObjectStore.Source = "replica", sc.Key
			rc.ObjectStore.CopyTo, rc.ObjectStore.CopyToLocation = "", ""
			rc.ObjectStore.Versioning = true
			rc.DependsOn = []string{}
			sc.ObjectStore.CopyTo, sc.ObjectStore.CopyToLocation = rc.Key, rc.Location
			sc.DependsOn = []string{rc.Key}
		}
	}
}

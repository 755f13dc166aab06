package blueprints

import (
	"github.com/hashicorp/hcl/v2"
	"path/filepath"
	"strings"
	"time"
)

// validate checks the rules that span blocks. Each rule has a test in
// validate_test.go (testdata/invalid/*.ha.hcl).
func (c *compiler) validate(bp *Blueprint) {
	c.validateRegions(bp)
	for _, t := range bp.Tiers {
		c.validateTier(bp, t)
	}
	for _, d := range bp.Databases {
		c.validateDatabase(bp, d)
	}
	for _, d := range bp.DNS {
		c.validateDNS(bp, d)
	}
	c.validateServices(bp)
	if o := bp.Objectives; o != nil {
		if o.Has("rto") && o.RTO <= 0 {
			c.errorf(o.At("rto"), "Invalid objective", "rto must be longer than zero.")
		}
		if o.Has("rpo") && o.RPO < 0 {
			c.errorf(o.At("rpo"), "Invalid objective", "rpo must not be negative.")
		}
	}
}

func (c *compiler) validateRegions(bp *Blueprint) {
	if len(bp.Regions) == 0 {
		c.errorf(&bp.DefRange, "No regions", "A blueprint needs at least one region block, and exactly one of them with role = \"primary\".")
		return
	}
	var primary *Region
	for _, r := range bp.Regions {
		switch r.Role {
		case RolePrimary:
			if primary != nil {
				c.errorf(r.At("role"), "More than one primary region", "Exactly one region is primary; %q is already primary (%s).", primary.Name, primary.At("role").String())
			} else {
				primary = r
			}
		case RoleStandby:
		default:
			c.errorf(r.At("role"), "Invalid value for role", "%q is not one of \"primary\" or \"standby\".", r.Role)
		}
		if !validClouds[r.Cloud] {
			c.errorf(r.At("cloud"), "Invalid value for cloud", "%q is not one of \"aws\", \"gcp\" or \"bare_metal\".", r.Cloud)
			continue
		}
		if r.Cloud == CloudBareMetal {
			if r.Location == "" {
				r.Location = r.Name
			}
			if r.Inventory == "" {
				c.errorf(&r.Def, "Bare-metal region without inventory", "Region %q is bare_metal: set inventory to the file that lists its sites, power and hosts (inventory = \"dc1.inventory.hcl\").", r.Name)
			} else if c.opts.ReadFile != nil {
				p := r.Inventory
				if !filepath.IsAbs(p) {
					p = filepath.Join(c.opts.Dir, p)
				}
				if _, err := c.opts.ReadFile(p); err != nil {
					c.errorf(r.At("inventory"), "Inventory not found", "Region %q names inventory %q: %s.", r.Name, r.Inventory, err.Error())
				}
			}
			if r.Has("zones") {
				c.errorf(r.At("zones"), "Zones in a bare-metal region", "Bare-metal failure domains (racks, UPS, PDUs) come from the inventory; zones are for aws and gcp regions.")
			}
			continue
		}
		if r.Has("inventory") {
			c.errorf(r.At("inventory"), "Inventory in a cloud region", "inventory is only for bare_metal regions; region %q is %s.", r.Name, r.Cloud)
		}
		p := cloudPatterns[r.Cloud]
		if r.Location == "" {
			c.errorf(&r.Def, "Missing location", "Region %q is %s: set location to the %s region (for example %q).", r.Name, r.Cloud, cloudTitle(r.Cloud), map[string]string{CloudAWS: "us-east-1", CloudGCP: "us-central1"}[r.Cloud])
			continue
		}
		if !p.location.MatchString(r.Location) {
			hint := ""
			for other, op := range cloudPatterns {
				if other != r.Cloud && op.location.MatchString(r.Location) {
					hint = " It looks like " + article(cloudTitle(other)) + " " + cloudTitle(other) + " region."
				}
			}
			c.errorf(r.At("location"), "Invalid location", "%q is not %s %s region name.%s", r.Location, article(cloudTitle(r.Cloud)), cloudTitle(r.Cloud), hint)
			continue
		}
		seen := map[string]bool{}
		for _, z := range r.Zones {
			if seen[z] {
				c.errorf(r.At("zones"), "Duplicate zone", "Zone %q is listed twice.", z)
			}
			seen[z] = true
			if !p.zone.MatchString(z) || !strings.HasPrefix(z, r.Location) {
				c.errorf(r.At("zones"), "Invalid zone", "%q is not a zone of %s region %s.", z, cloudTitle(r.Cloud), r.Location)
			}
		}
	}
	if primary == nil {
		c.errorf(&bp.Regions[0].Def, "No primary region", "Exactly one region needs role = \"primary\"; none has it.")
	}
}

// spreadDomains are the failure domains a tier may spread over.
var spreadDomains = map[string]bool{"zone": true, "site": true, "row": true, "rack": true, "ups": true, "feed": true, "pdu": true, "host": true}

// tierRegions is where t runs: its regions, or every region.
func tierRegions(bp *Blueprint, t *Tier) []*Region {
	if t.Regions == nil {
		return bp.Regions
	}
	out := make([]*Region, 0, len(t.Regions))
	for _, n := range t.Regions {
		if r := bp.regions[n]; r != nil {
			out = append(out, r)
		}
	}
	return out
}

func (c *compiler) validateTier(bp *Blueprint, t *Tier) {
	seen := map[string]bool{}
	for _, n := range t.Regions {
		if bp.regions[n] == nil {
			c.errorf(t.At("regions"), "Reference to undeclared region", "Tier %q lists region %q, which is not declared.%s", t.Name, n, suggest(n, c.regionNames))
		}
		if seen[n] {
			c.errorf(t.At("regions"), "Duplicate region", "Tier %q lists region %q twice.", t.Name, n)
		}
		seen[n] = true
	}
	if t.Regions != nil && len(t.Regions) == 0 {
		c.errorf(t.At("regions"), "Tier without regions", "Tier %q must run in at least one region.", t.Name)
	}
	for _, n := range t.Uses {
		if !c.databaseNames[n] && !c.cacheNames[n] {
			c.errorf(t.At("uses"), "Reference to undeclared database", "Tier %q uses database %q, which is not declared.%s", t.Name, n, suggest(n, c.databaseNames))
		}
	}
	for _, list := range []struct {
		name string
		vals []string
	}{{"spread", t.Spread}, {"tolerate", t.Tolerate}} {
		for _, s := range list.vals {
			if !spreadDomains[s] {
				c.errorf(t.At(list.name), "Invalid failure domain", "%q in %s is not a failure domain; use zone, site, row, rack, ups, feed, pdu or host.", s, list.name)
			}
		}
	}
	capRng := func(n string) *hcl.Range { return t.capacity.At(n) }
	if t.Min > t.Max {
		c.errorf(capRng("min"), "Invalid capacity", "Tier %q: min (%d) is larger than max (%d); capacity needs min ≤ desired ≤ max.", t.Name, t.Min, t.Max)
	} else if t.Desired < t.Min || t.Desired > t.Max {
		c.errorf(capRng("desired"), "Invalid capacity", "Tier %q: desired (%d) is outside min %d and max %d; capacity needs min ≤ desired ≤ max.", t.Name, t.Desired, t.Min, t.Max)
	}
	if t.Max < 1 {
		c.errorf(capRng("max"), "Invalid capacity", "Tier %q: max must be at least 1.", t.Name)
	}
	if lb := t.LoadBalancer; lb != nil {
		if t.Min < 2 && !t.AllowSingleInstance {
			c.warnf(capRng("min"), "Single point of failure", "Tier %q is behind a load balancer but min = %d: one failed instance takes the tier down. Raise min to 2, or set allow_single_instance = true to accept it.", t.Name, t.Min)
		}
		c.validateLBHealth(t, lb)
		c.validateBareMetalLB(bp, t)
	}
	missing := map[string]bool{}
	for _, r := range tierRegions(bp, t) {
		if r.Cloud == CloudBareMetal || !validClouds[r.Cloud] {
			continue
		}
		img := pick(t.Image, r.Cloud)
		// A written image that failed to evaluate was reported already.
		if img == "" && (!t.Has("image") || t.Image != nil) && !missing["image "+r.Cloud] {
			missing["image "+r.Cloud] = true
			c.errorf(&t.Def, "Missing image", "Tier %q runs in %s region %q and needs an image (image = \"...\", or a map such as { %s = \"...\" }).", t.Name, r.Cloud, r.Name, r.Cloud)
		}
		it := pick(t.InstanceType, r.Cloud)
		if it == "" {
			if (t.Has("instance_type") && t.InstanceType == nil) || missing["type "+r.Cloud] {
				continue
			}
			missing["type "+r.Cloud] = true
			c.errorf(&t.Def, "Missing instance type", "Tier %q runs in %s region %q and needs instance_type.", t.Name, r.Cloud, r.Name)
			continue
		}
		p := cloudPatterns[r.Cloud]
		if !p.instanceType.MatchString(it) {
			detail := "%q is not %s instance type (such as %q)."
			if o := otherCloud("instance", it, r.Cloud); o != "" {
				detail = "%q is " + article(cloudTitle(o)) + " " + cloudTitle(o) + " instance type, but tier %q runs in " + cloudTitle(r.Cloud) + " region %q. Use %s type such as %q, or a map { " + o + " = ..., " + r.Cloud + " = ... }."
				c.errorf(t.At("instance_type"), "Instance type of another cloud", detail, it, t.Name, r.Name, article(cloudTitle(r.Cloud))+" "+cloudTitle(r.Cloud), p.exampleType)
				continue
			}
			c.errorf(t.At("instance_type"), "Invalid instance type", detail, it, article(cloudTitle(r.Cloud))+" "+cloudTitle(r.Cloud), p.exampleType)
		}
	}
}

func article(s string) string {
	if strings.HasPrefix(s, "A") {
		return "an"
	}
	return "a"
}

func pick(m map[string]string, cloud string) string {
	if v, ok := m[cloud]; ok {
		return v
	}
	return m[""]
}

func (c *compiler) validateLBHealth(t *Tier, lb *LoadBalancerSpec) {
	hc := lb.HealthCheck
	at := lb.healthCheck.At
	// Ranges of AWS ELBv2 target group health checks (the narrowest of the
	// backends): interval 5-300s, timeout 2-120s, thresholds 2-10.
	if hc.Interval < 5 || hc.Interval > 300 {
		c.errorf(at("interval"), "Health check out of range", "interval is %ds; it must be between 5s and 300s.", hc.Interval)
	}
	if hc.Timeout < 2 || hc.Timeout > 120 {
		c.errorf(at("timeout"), "Health check out of range", "timeout is %ds; it must be between 2s and 120s.", hc.Timeout)
	} else if hc.Timeout >= hc.Interval && hc.Interval >= 5 {
		c.errorf(at("timeout"), "Health check out of range", "timeout (%ds) must be shorter than interval (%ds).", hc.Timeout, hc.Interval)
	}
	if hc.HealthyThreshold < 2 || hc.HealthyThreshold > 10 {
		c.errorf(at("healthy"), "Health check out of range", "healthy is %d; it must be between 2 and 10.", hc.HealthyThreshold)
	}
	if hc.UnhealthyThreshold < 2 || hc.UnhealthyThreshold > 10 {
		c.errorf(at("unhealthy"), "Health check out of range", "unhealthy is %d; it must be between 2 and 10.", hc.UnhealthyThreshold)
	}
	if hc.Protocol != "TCP" && !strings.HasPrefix(hc.Path, "/") {
		c.errorf(at("path"), "Invalid health check path", "%q must start with \"/\".", hc.Path)
	}
}

func (c *compiler) validateDatabase(bp *Blueprint, d *DatabaseSpec) {
	if d.Region == "" {
		if p := bp.Primary(); p != nil {
			d.Region = p.Name
		}
	}
	home := bp.regions[d.Region]
	if home == nil {
		if d.Region != "" {
			c.errorf(d.At("region"), "Reference to undeclared region", "Database %q is placed in region %q, which is not declared.%s", d.Name, d.Region, suggest(d.Region, c.regionNames))
		}
		return
	}
	if home.Cloud == CloudBareMetal {
		c.validateBareMetalDatabase(bp, d, home)
		return
	}
	if d.Replication.MaxLagBytes > 0 {
		c.errorf(d.Replication.At("max_lag"), "Invalid value for max_lag", "Database %q is in %s region %q: there max_lag is how far a replica may lag, a duration such as \"30s\"; a size of WAL is for bare-metal databases (Patroni).", d.Name, home.Cloud, home.Name)
	}
	for _, a := range []string{"hosts", "primary"} {
		if d.Has(a) {
			c.errorf(d.At(a), "Bare-metal setting in a cloud region", "%s is for databases in bare_metal regions; database %q is in %s region %q.", a, d.Name, home.Cloud, home.Name)
		}
	}
	if len(d.InstanceClass) == 0 {
		c.errorf(&d.Def, "Missing instance_class", "Database %q is in %s region %q: set instance_class (such as %q).", d.Name, home.Cloud, home.Name, cloudPatterns[home.Cloud].exampleClass)
	}
	okEngine := d.Engine == "postgres" || d.Engine == "mysql"
	if !okEngine {
		c.errorf(d.At("engine"), "Invalid value for engine", "%q is not one of \"postgres\" or \"mysql\".", d.Engine)
	}
	cls := pick(d.InstanceClass, home.Cloud)
	if p, ok := cloudPatterns[home.Cloud]; ok && !p.dbClass.MatchString(cls) {
		if o := otherCloud("db", cls, home.Cloud); o != "" {
			c.errorf(d.At("instance_class"), "Instance class of another cloud", "%q is %s %s database class, but database %q is in %s region %q. Use a class such as %q.", cls, article(cloudTitle(o)), cloudTitle(o), d.Name, cloudTitle(home.Cloud), home.Name, p.exampleClass)
		} else {
			c.errorf(d.At("instance_class"), "Invalid instance class", "%q is not %s %s database class (such as %q).", cls, article(cloudTitle(home.Cloud)), cloudTitle(home.Cloud), p.exampleClass)
		}
	}
	if d.StorageGiB < 20 || d.StorageGiB > 65536 {
		c.errorf(d.At("storage"), "Invalid storage", "Database %q: storage must be between 20GiB and 64TiB, got %dGiB.", d.Name, d.StorageGiB)
	}
	rep := &d.Replication
	if rep.CrossRegion && rep.Regions != nil {
		c.errorf(rep.At("regions"), "Conflicting replication", "Set either cross_region = true (a replica in every standby region of the same cloud) or regions, not both.")
	}
	for _, n := range replicaRegions(bp, d) {
		r := bp.regions[n]
		if r == nil {
			c.errorf(rep.At("regions"), "Reference to undeclared region", "Database %q replicates to region %q, which is not declared.%s", d.Name, n, suggest(n, c.regionNames))
			continue
		}
		if n == home.Name {
			c.errorf(rep.At("regions"), "Replica in the home region", "Database %q lives in %q; replication.regions lists other regions (use replicas for read replicas in the same region).", d.Name, n)
			continue
		}
		if r.Cloud != home.Cloud {
			c.errorf(rep.At("regions"), "Cross-cloud replication", "Database %q is on %s; region %q is %s, and replicas stay within one cloud (RDS and Cloud SQL cannot replicate to each other). Instead, declare a database per cloud (one homed in region %q, replicating within %s), or restore backups on the other side: a region of %s rebuilt after a disaster restores from the newest backup copied to a region of its own cloud.", d.Name, cloudTitle(home.Cloud), n, cloudTitle(r.Cloud), n, cloudTitle(r.Cloud), cloudTitle(r.Cloud))
		}
	}
	if rep.Mode == "sync" && (rep.CrossRegion || len(rep.Regions) > 0) {
		rng := rep.At("cross_region")
		if len(rep.Regions) > 0 {
			rng = rep.At("regions")
		}
		c.errorf(rng, "Synchronous replication across regions", "mode = \"sync\" waits for every replica on each commit; across regions that adds a round trip of tens of milliseconds to every write. Use mode = \"async\" across regions (sync is for replicas within the region).")
	}
	if bk := d.Backup; bk != nil {
		if bk.Retain >= 0 && bk.Retain < 24*time.Hour {
			c.errorf(bk.At("retain"), "Invalid backup retention", "retain must be at least one day (\"1d\"); AWS Backup and Cloud SQL keep backups in whole days.")
		}
		if len(bk.CopyTo) > 1 {
			c.errorf(bk.At("copy_to"), "Too many backup copies", "copy_to names one region in this version; database %q lists %d.", d.Name, len(bk.CopyTo))
		}
		for _, n := range bk.CopyTo {
			r := bp.regions[n]
			switch {
			case r == nil:
				c.errorf(bk.At("copy_to"), "Reference to undeclared region", "copy_to names region %q, which is not declared.%s", n, suggest(n, c.regionNames))
			case n == home.Name:
				c.errorf(bk.At("copy_to"), "Backup copy to the same region", "copy_to must name another region than the database's own (%q): a copy in the same region does not survive losing it.", n)
			case r.Cloud != home.Cloud:
				c.errorf(bk.At("copy_to"), "Backup copy to another cloud", "Database %q is on %s; copy_to region %q is %s. Backup copies stay within one cloud (an AWS Backup vault or a Cloud SQL backup location of the same cloud). Copy to another %s region, and give region %q a database of its own cloud.", d.Name, cloudTitle(home.Cloud), n, cloudTitle(r.Cloud), cloudTitle(home.Cloud), n)
			}
		}
	}
}

// replicaRegions are the regions that get a replica of d, besides its own.
func replicaRegions(bp *Blueprint, d *DatabaseSpec) []string {
	rep := d.Replication
	if rep.Regions != nil {
		return rep.Regions
	}
	if !rep.CrossRegion {
		return nil
	}
	home := bp.regions[d.Region]
	var out []string
	for _, r := range bp.Regions {
		if home != nil && r != home && r.Cloud == home.Cloud {
			out = append(out, r.Name)
		}
	}
	return out
}

func (c *compiler) validateDNS(bp *Blueprint, d *DNSSpec) {
	if d.Zone != "" && d.FQDN != d.Zone && !strings.HasSuffix(d.FQDN, "."+d.Zone) {
		c.errorf(d.At("zone"), "Name outside its zone", "%q is not inside zone %q.", d.FQDN, d.Zone)
	}
	t := bp.tiers[d.Tier]
	if t == nil {
		return
	}
	carries := map[string]bool{}
	for _, r := range tierRegions(bp, t) {
		carries[r.Name] = true
	}
	orderRng := d.failover.At("order")
	if d.Mode == "weighted" {
		orderRng = d.failover.At("weights")
	}
	if len(d.Order) == 0 && d.Mode == "failover" {
		if p := bp.Primary(); p != nil && carries[p.Name] {
			d.Order = append(d.Order, p.Name)
		}
		for _, r := range bp.Regions {
			if r.Role != RolePrimary && carries[r.Name] {
				d.Order = append(d.Order, r.Name)
			}
		}
	}
	seen := map[string]bool{}
	n := 0
	target := "" // the last region that counts
	for i, name := range d.Order {
		r := bp.regions[name]
		switch {
		case r == nil:
			c.errorf(orderRng, "Reference to undeclared region", "order names region %q, which is not declared.%s", name, suggest(name, c.regionNames))
			continue
		case seen[name]:
			c.errorf(orderRng, "Duplicate region", "order lists region %q twice.", name)
			continue
		case !carries[name]:
			c.errorf(orderRng, "Region without the tier", "DNS %q sends traffic to tier %q, which does not run in region %q.", d.FQDN, d.Tier, name)
			continue
		}
		seen[name] = true
		n++
		target = name
		if i == 0 && d.Mode == "failover" && r.Role != RolePrimary {
			c.errorf(orderRng, "Failover order must start with the primary", "order starts with %q, but the primary region is %q: traffic goes to the first healthy region in order.", name, primaryName(bp))
		}
	}
	backend := dnsBackend(bp, d)
	if n < 2 && (backend != "clouddns" || n == 0) {
		c.errorf(orderRng, "DNS failover needs two regions", "DNS %q can fail over only between regions that run tier %q; it has %d. Run the tier in a second region and add it to the order.", d.FQDN, d.Tier, n)
	}
	if d.Mode == "weighted" {
		total := 0
		for _, w := range d.Weights {
			total += w
		}
		if total == 0 && len(d.Weights) > 0 {
			c.errorf(orderRng, "All weights are zero", "At least one region needs a weight above zero.")
		}
	}
	hc := &d.HealthCheck
	at := d.healthCheck.At
	if hc.Threshold < 1 || hc.Threshold > 10 {
		c.errorf(at("threshold"), "Health check out of range", "threshold is %d; it must be between 1 and 10.", hc.Threshold)
	}
	if backend == "clouddns" {
		for _, n := range d.Order {
			if r := bp.regions[n]; r != nil && r.Cloud != CloudGCP {
				c.errorf(d.At("backend"), "Cloud DNS cannot check this region", "backend is clouddns, but region %q is %s: Cloud DNS routing policies health-check GCP load balancers only. Use backend = \"powerdns\".", n, cloudTitle(r.Cloud))
			}
		}
		if n == 1 {
			c.errorf(orderRng, "Cloud DNS failover with one target", "DNS %q on Cloud DNS has one target (region %q): a primary-backup routing policy needs a backup target. Run tier %q in a second GCP region and add it to the order.", d.FQDN, target, d.Tier)
		}
	}
	if backend == "route53" {
		for _, n := range d.Order {
			if r := bp.regions[n]; r != nil && r.Cloud != CloudAWS {
				c.errorf(d.At("backend"), "Route 53 cannot check this region", "backend is route53, but region %q is %s: Route 53 alias records and health checks need AWS load balancers. Use backend = \"powerdns\".", n, r.Cloud)
			}
		}
		// A Route 53 failover record set is one PRIMARY and one SECONDARY.
		if d.Mode == "failover" && len(d.Order) > 2 {
			c.errorf(orderRng, "Too many failover regions for Route 53", "DNS %q fails over across %d regions, but Route 53 failover records hold one primary and one secondary. List two regions in order, or use mode = \"weighted\" or backend = \"powerdns\".", d.FQDN, len(d.Order))
		}
		// Route 53 health checks run every 10 or 30 seconds and nothing else.
		if hc.Interval != 10 && hc.Interval != 30 {
			c.errorf(at("interval"), "Health check interval not supported", "Every region of %q is AWS, so Route 53 checks health: its interval is 10s or 30s, not %ds.", d.FQDN, hc.Interval)
		}
	} else if hc.Interval < 1 || hc.Interval > 3600 {
		c.errorf(at("interval"), "Health check out of range", "interval is %ds; it must be between 1s and 1h.", hc.Interval)
	}
	if hc.Protocol != "" && hc.Protocol != "TCP" && hc.Path != "" && !strings.HasPrefix(hc.Path, "/") {
		c.errorf(at("path"), "Invalid health check path", "%q must start with \"/\".", hc.Path)
	}
	if hc.Protocol == "TCP" && hc.Path != "" {
		c.errorf(at("path"), "Invalid health check", "A TCP health check has no path.")
	}
}

func primaryName(bp *Blueprint) string {
	if p := bp.Primary(); p != nil {
		return p.Name
	}
	return ""
}

// dnsBackend is the one the blueprint names, else route53 when every region
// in the order is AWS, clouddns when every one is GCP, else powerdns.
func dnsBackend(bp *Blueprint, d *DNSSpec) string {
	if d.Backend != "" {
		return d.Backend
	}
	clouds := map[string]bool{}
	for _, n := range d.Order {
		r := bp.regions[n]
		if r == nil {
			return "powerdns"
		}
		clouds[r.Cloud] = true
	}
	switch {
	case len(clouds) == 0 || len(clouds) == 1 && clouds[CloudAWS]:
		return "route53"
	case len(clouds) == 1 && clouds[CloudGCP]:
		return "clouddns"
	}
	return "powerdns"
}

package blueprints

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/internal/placement"
)

// A database in a bare_metal region is a PostgreSQL cluster managed by
// Patroni, with one etcd member on each of its hosts: a host allocation of
// its own (REGION/DB/host_allocation) and the database component on it.

// dbSpread is the bare-metal database allocation's spread: power first, so
// that no UPS, feed or PDU holds a majority of etcd or every copy.
var dbSpread = []string{placement.UPS, placement.Feed, placement.PDU, placement.Rack}

// validateBareMetalDatabase checks what only a bare-metal database has:
// PostgreSQL, copies within the site, a standby for sync mode, and hosts
// that the inventory can place so that no single power device takes out a
// majority of etcd (or, with two hosts, both copies).
func (c *compiler) validateBareMetalDatabase(bp *Blueprint, d *DatabaseSpec, home *Region) {
	if d.Engine != "postgres" {
		c.errorf(d.At("engine"), "Invalid value for engine", "Database %q is in bare_metal region %q: bare-metal databases are PostgreSQL (Patroni); %q is not supported there.", d.Name, home.Name, d.Engine)
	}
	rep := &d.Replication
	if rep.CrossRegion || len(rep.Regions) > 0 || rep.Replicas > 0 {
		at := rep.At("cross_region")
		for _, a := range []string{"regions", "replicas"} {
			if rep.Has(a) {
				at = rep.At(a)
			}
		}
		c.errorf(at, "Replicas of a bare-metal database", "Database %q in bare_metal region %q keeps its copies on its own hosts (hosts = %d, Patroni); set hosts instead of replicas, and copy it to another region with backup { copy_to = [...] } (pgBackRest).", d.Name, home.Name, d.Hosts)
	}
	if rep.MaxLag > 0 {
		c.errorf(rep.At("max_lag"), "Invalid value for max_lag", "Database %q is in bare_metal region %q: there max_lag is how much WAL a standby may be behind and still be promoted (Patroni's maximum_lag_on_failover), a size such as \"16MiB\", not a duration.", d.Name, home.Name)
	}
	if rep.Mode == "sync" && d.Hosts < 2 {
		at := rep.At("mode")
		if d.Has("hosts") {
			at = d.At("hosts")
		}
		c.errorf(at, "Synchronous mode with one host", "Database %q has mode = \"sync\" on %d host in bare_metal region %q: a commit waits for a standby on a second host. Set hosts = 3 (2 copies and an etcd majority), or mode = \"async\".", d.Name, d.Hosts, home.Name)
		return
	}
	if bk := d.Backup; bk != nil {
		c.validateBareMetalBackup(bp, d, bk, home)
	}
	inv, _ := c.loadInventory(home)
	if inv == nil {
		return // ha_host_allocation reports the inventory's own errors
	}
	majority := d.Hosts/2 + 1
	res, err := placement.Place(inv, placement.Request{Count: d.Hosts, Spread: dbSpread,
		Tolerate: []string{placement.UPS, placement.Feed, placement.PDU}, Minimum: d.Hosts - majority + 1})
	var short *placement.ShortageError
	switch {
	case errors.As(err, &short):
		c.errorf(d.At("hosts"), "Not enough hosts for the database", "Database %q in bare_metal region %q needs %d hosts from inventory %q: %s.", d.Name, home.Name, d.Hosts, home.Inventory, err)
		return
	case err != nil:
		c.errorf(&d.Def, "Database placement", "Database %q in bare_metal region %q: %s.", d.Name, home.Name, err)
		return
	}
	for _, v := range res.Violations {
		what := fmt.Sprintf("a majority of etcd (%d of %d members)", len(v.Lost), d.Hosts)
		if len(v.Lost) == d.Hosts {
			what = "every copy of the database and all of etcd"
		}
		c.errorf(d.At("hosts"), "Etcd majority in one power domain",
			"Database %q in bare_metal region %q: the best placement of %d hosts from inventory %q puts %s on %s %q (hosts %s), whose loss alone stops the cluster electing a leader. Add hosts on other feeds, dual-cord them on A and B, or change hosts.",
			d.Name, home.Name, d.Hosts, home.Inventory, what, v.Domain, v.Device, strings.Join(v.Lost, ", "))
	}
	if d.Primary != "" {
		if _, ok := inv.Hosts[d.Primary]; !ok {
			c.errorf(d.At("primary"), "Unknown primary host", "Database %q: primary = %q is not a host of inventory %q.", d.Name, d.Primary, home.Inventory)
		}
	}
}

// validateBareMetalBackup: pgBackRest keeps the repository on a host of
// another bare-metal site, so a backup block needs copy_to, and that site's
// inventory a host.
func (c *compiler) validateBareMetalBackup(bp *Blueprint, d *DatabaseSpec, bk *BackupSpec, home *Region) {
	if len(bk.CopyTo) == 0 {
		c.errorf(&bk.Def, "Backup without copy_to", "Database %q in bare_metal region %q keeps its backups (pgBackRest) on a host of another site: set copy_to = [region.OTHER] to a bare_metal region.", d.Name, home.Name)
		return
	}
	to := bp.regions[bk.CopyTo[0]]
	if to == nil || to.Cloud != CloudBareMetal || to.Name == home.Name {
		return // reported with copy_to's other checks
	}
	if inv, _ := c.loadInventory(to); inv != nil && len(inv.Hosts) == 0 {
		c.errorf(bk.At("copy_to"), "No host for the backup repository", "Database %q copies its backups to region %q, whose inventory %q has no host for the pgBackRest repository.", d.Name, to.Name, to.Inventory)
	}
}

// bareMetalDatabase adds the host allocation and the Patroni database.
func (e *expander) bareMetalDatabase(d *DatabaseSpec, home *Region, budget int) {
	haKey := key(home.Name, d.Name, KindHostAllocation)
	e.add(&Component{
		Key: haKey, Kind: KindHostAllocation,
		HostAllocation: &HostAllocation{
			Inventory: home.Inventory,
			Count:     d.Hosts,
			Spread:    append([]string(nil), dbSpread...),
			Tags:      map[string]string{"database": d.Name},
			Tolerate:  []string{},
			For:       home.Name + "/" + d.Name,
		},
	}, home, d.Name)
	dbKey := key(home.Name, d.Name, KindDatabase)
	e.add(&Component{
		Key: dbKey, Kind: KindDatabase, DependsOn: []string{haKey},
		Database: &Database{
			Engine:                d.Engine,
			EngineVersion:         d.Version,
			InstanceClass:         "",
			AllocatedStorage:      d.StorageGiB,
			MultiAZ:               d.Replication.Mode == "sync",
			StorageEncrypted:      d.Backup == nil || d.Backup.Encrypted,
			BackupRetentionPeriod: 0,
			DeletionProtection:    d.DeletionProtection,
			HostAllocation:        haKey,
			Primary:               d.Primary,
			FailoverBudget:        budget,
			MaxLagBytes:           d.Replication.MaxLagBytes,
		},
	}, home, d.Name)
}

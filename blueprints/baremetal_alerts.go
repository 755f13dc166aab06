package blueprints

import (
	"sort"
	"time"
)

// This file holds the alerts block on bare metal: an exporter on one host
// of the region's site polls the site's UPS units through NUT and posts
// alarm state changes to the webhooks (internal/alertexporter).

// UPSAlarmPeriod is how often the exporter polls a UPS, in seconds.
const UPSAlarmPeriod = 10

// UPSShutdownMargin is what a low-runtime alarm leaves on top of the RTO
// budget: with the alarm firing at RTO + margin seconds of battery left, a
// failover away from the site fits before the batteries run out, with time
// for an orderly shutdown after it.
var UPSShutdownMargin = Constant{300, "NUT upsmon's default FINALDELAY (5 s) and SHUTDOWNCMD take seconds; planned at 5 min for an orderly shutdown of the site's hosts after the failover"}

// DefaultUPSFailover is the failover time a low-runtime alarm plans for
// when the blueprint has no rto objective.
const DefaultUPSFailover = 5 * time.Minute

// bareMetalAlerts is what validation found for a bare-metal region's
// alerts, for expansion.
type bareMetalAlerts struct {
	inventory string
	host      string   // runs the exporter
	ups       []string // UPS units of the site with a NUT address, sorted
}

// lowRuntimeSeconds is the battery runtime below which a UPS alarms.
func lowRuntimeSeconds(bp *Blueprint) int {
	rto := DefaultUPSFailover
	if o := bp.Objectives; o != nil && o.RTO > 0 {
		rto = o.RTO
	}
	return secs(rto) + UPSShutdownMargin.Seconds
}

// validateBareMetalAlerts picks, per bare-metal region, the exporter's host
// (the site's host fed by the most UPS units, so that it reports one
// unit's failure on another's power) and the UPS units it watches.
func (c *compiler) validateBareMetalAlerts(bp *Blueprint) {
	a := bp.Alerts
	for _, r := range bp.Regions {
		if r.Cloud != CloudBareMetal {
			continue
		}
		if len(a.Webhooks) == 0 {
			c.errorf(&a.Def, "Alerts without a webhook", "Region %q is bare_metal, where alarms are posted to webhooks by an exporter on one of its hosts (a site has no mail service to send email through); add a webhook.", r.Name)
			continue
		}
		if len(a.Emails) > 0 {
			c.warnf(a.At("email"), "Email not sent from bare metal", "Region %q is bare_metal: its alarms go to the webhooks only; the emails get the cloud regions' alarms.", r.Name)
		}
		inv, why := c.loadInventory(r)
		if inv == nil {
			c.errorf(r.At("inventory"), "Inventory not readable", "Alerts in bare_metal region %q watch the UPS units of its inventory %q, which could not be read: %s.", r.Name, r.Inventory, why)
			continue
		}
		site := siteFor(inv, r)
		if site == nil {
			c.errorf(r.At("inventory"), "Inventory without site", "Alerts in bare_metal region %q need a site in inventory %q to watch.", r.Name, r.Inventory)
			continue
		}
		got := bareMetalAlerts{inventory: r.Inventory}
		for _, n := range inv.UPSNames() {
			if u := inv.UPS[n]; u.Site == site.Name && u.NUT != "" {
				got.ups = append(got.ups, n)
			}
		}
		var hosts []string
		for _, n := range inv.HostNames() {
			if inv.Hosts[n].Site == site.Name {
				hosts = append(hosts, n)
			}
		}
		if len(hosts) == 0 {
			c.errorf(r.At("inventory"), "No host for the alerts exporter", "Alerts in bare_metal region %q run on a host of site %q, which has none.", r.Name, site.Name)
			continue
		}
		sort.SliceStable(hosts, func(i, j int) bool {
			return len(inv.UPSes(inv.Hosts[hosts[i]])) > len(inv.UPSes(inv.Hosts[hosts[j]]))
		})
		got.host = hosts[0]
		if len(got.ups) == 0 {
			c.warnf(r.At("inventory"), "No UPS to watch", "Site %q of bare_metal region %q has no UPS with a nut address: its alerts exporter watches nothing.", site.Name, r.Name)
		}
		if c.bmAlerts == nil {
			c.bmAlerts = map[string]bareMetalAlerts{}
		}
		c.bmAlerts[r.Name] = got
	}
}

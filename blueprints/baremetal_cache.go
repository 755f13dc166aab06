package blueprints

import (
	"fmt"
	"time"
)

// This file holds the cache block on bare metal: Redis with Sentinel on
// hosts of the region's inventory (internal/redissentinel).

// SentinelElection is Sentinel's time from declaring the master down to a
// promoted replica, on top of down-after-milliseconds.
var SentinelElection = Constant{3, "Redis Sentinel: after down-after-milliseconds the Sentinels agree the master is down (answers every second), elect a leader (up to 1 s of random delay) and promote the replica, confirmed on the next 1 s INFO poll; planned at 3 s"}

// defaultDownAfter is Sentinel's down-after-milliseconds when neither the
// block nor the objectives say (Sentinel's own default is 30 s, too slow for
// sessions).
const defaultDownAfter = 5 * time.Second

func (c *compiler) validateBareMetalCache(bp *Blueprint, s *CacheSpec, home *Region) {
	s.bareMetal = true
	if s.Engine != "" && s.Engine != "redis" {
		c.errorf(s.At("engine"), "Engine not available on bare metal", "Cache %q is in bare_metal region %q, where a cache is Redis with Sentinel (Debian redis-server); set engine = \"redis\".", s.Name, home.Name)
	}
	if s.Has("replicas") && s.Replicas != s.Hosts-1 {
		c.errorf(s.At("replicas"), "Replicas and hosts disagree", "Cache %q runs on %d hosts, one master and %d replicas; replicas = %d. Set hosts instead.", s.Name, s.Hosts, s.Hosts-1, s.Replicas)
	}
	s.Replicas = s.Hosts - 1
	if home.Inventory == "" {
		c.errorf(s.At("region"), "No inventory", "Cache %q is in bare_metal region %q, which names no inventory to take its hosts from.", s.Name, home.Name)
	}
	for _, t := range bp.Tiers {
		if t.Name == s.Name {
			c.errorf(&s.Def, "Cache named like a tier", "On bare metal cache %q gets its own hosts, allocated as %s; tier %q has that name too. Rename one.", s.Name, key(home.Name, s.Name, KindHostAllocation), t.Name)
		}
	}
	if s.DownAfter != 0 && (s.DownAfter < 100*time.Millisecond || s.DownAfter > time.Minute) {
		c.errorf(s.At("down_after"), "Invalid down_after", "down_after is between 100ms and 1m; got %s.", s.DownAfter)
	}
}

// downAfter is Sentinel's down-after for s: the block's, else 5 s, lowered
// so that detection plus election fits the RTO budget (not below 1 s).
func downAfter(bp *Blueprint, s *CacheSpec) time.Duration {
	if s.DownAfter > 0 {
		return s.DownAfter
	}
	d := defaultDownAfter
	if o := bp.Objectives; o != nil && o.RTO > 0 {
		fit := o.RTO - time.Duration(SentinelElection.Seconds)*time.Second
		d = max(min(d, fit), time.Second)
	}
	return d
}

// sentinelFailover is the planned worst case of a Sentinel failover, whole
// seconds.
func sentinelFailover(d time.Duration) int {
	return int((d+time.Second-1)/time.Second) + SentinelElection.Seconds
}

// bareMetalCache makes c (the cache's group in bare-metal region r) Redis
// with Sentinel on its own host allocation.
func (e *expander) bareMetalCache(s *CacheSpec, r *Region, c *Component) {
	ha := key(r.Name, s.Name, KindHostAllocation)
	e.add(&Component{Key: ha, Kind: KindHostAllocation, HostAllocation: &HostAllocation{
		Inventory: r.Inventory, Count: s.Hosts, Spread: []string{}, Tags: map[string]string{"cache": s.Name},
		Tolerate: []string{}, For: r.Name + "/" + s.Name,
	}}, r, s.Name)
	cc := c.Cache
	cc.Engine, cc.NodeType, cc.Zones = "redis", "", []string{}
	cc.TransitEncryption, cc.AtRestEncryption = false, false
	cc.HostAllocation, cc.Inventory = ha, r.Inventory
	cc.DownAfterMS = int(downAfter(e.bp, s).Milliseconds())
	c.DependsOn = append(c.DependsOn, ha)
}

// cacheHostLoss adds, per bare-metal cache group, the RTO of losing its
// master's host: Sentinel's detection and promotion, which must fit the RTO
// budget.
func (c *compiler) cacheHostLoss(bp *Blueprint, o *Objectives) {
	for _, s := range bp.Caches {
		if !s.bareMetal {
			continue
		}
		regions := append([]string{s.Region}, cacheRegions(bp, s)...)
		for _, rn := range regions {
			d := downAfter(bp, s)
			st := Step{"sentinel_failover", sentinelFailover(d), fmt.Sprintf("%s: losing the master's host, the Sentinels promote a replica after down-after-milliseconds %d; %s",
				key(rn, s.Name, KindCache), d.Milliseconds(), SentinelElection.Source)}
			o.HostLoss = append(o.HostLoss, st)
			if spec := bp.Objectives; spec != nil && spec.Has("rto") && st.Seconds > o.RTOBudget {
				c.errorf(s.At("down_after"), "RTO objective not met",
					"Losing the master host of cache %q in region %q takes %s for Sentinel to promote a replica (down_after %s + election and promotion %ds), more than rto = %s. Lower down_after.",
					s.Name, rn, human(st.Seconds), d, SentinelElection.Seconds, human(o.RTOBudget))
			}
		}
	}
}

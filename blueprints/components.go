package blueprints

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/gocty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// Component kinds, one Terraform resource each (see COMPONENTS.md).
const (
	KindLoadBalancer    = "load_balancer"
	KindScalingGroup    = "scaling_group"
	KindDatabase        = "database"
	KindDatabaseReplica = "database_replica"
	KindBackupPlan      = "backup_plan"
	KindDNSFailover     = "dns_failover"
	KindHostAllocation  = "host_allocation"
	KindCache           = "cache"
	KindObjectStore     = "object_store"
	KindAlerts          = "alerts"
	KindVirtualIP       = "virtual_ip"
)

// Kinds lists every component kind in a fixed order.
var Kinds = []string{
	KindLoadBalancer, KindScalingGroup, KindDatabase, KindDatabaseReplica,
	KindBackupPlan, KindDNSFailover, KindHostAllocation,
	KindCache, KindObjectStore, KindAlerts, KindVirtualIP,
}

// KindCollections names the collection attribute of each kind in the
// ha_blueprint data source and the provider function.
var KindCollections = map[string]string{
	KindLoadBalancer:    "load_balancers",
	KindScalingGroup:    "scaling_groups",
	KindDatabase:        "databases",
	KindDatabaseReplica: "database_replicas",
	KindBackupPlan:      "backup_plans",
	KindDNSFailover:     "dns_failovers",
	KindHostAllocation:  "host_allocations",
	KindCache:           "caches",
	KindObjectStore:     "object_stores",
	KindAlerts:          "alerts",
	KindVirtualIP:       "virtual_ips",
}

// Component is one expanded unit of the deployment. The attributes shared by
// every kind are fields here; exactly one of the kind pointers is set.
type Component struct {
	Key       string
	Kind      string
	Region    string
	Cloud     string
	Location  string
	Name      string
	DependsOn []string
	Blueprint string

	LoadBalancer    *LoadBalancer
	ScalingGroup    *ScalingGroup
	Database        *Database
	DatabaseReplica *DatabaseReplica
	BackupPlan      *BackupPlan
	DNSFailover     *DNSFailover
	HostAllocation  *HostAllocation
	Cache           *Cache
	ObjectStore     *ObjectStore
	Alerts          *Alerts
	VirtualIP       *VirtualIP
}

// LoadBalancer is the ha_load_balancer input.
type LoadBalancer struct {
	Zones       []string    `cty:"zones"`
	Layer       int         `cty:"layer"`
	Listeners   []Listener  `cty:"listeners"`
	HealthCheck HealthCheck `cty:"health_check"`
	// Bare metal: the tier's virtual_ip component (HAProxy binds its
	// address on the VIP holders) and host_allocation component (its
	// members are the holders and the backends); "" on clouds.
	VirtualIP      string `cty:"virtual_ip"`
	HostAllocation string `cty:"host_allocation"`
}

// Listener is one port a load balancer accepts traffic on.
type Listener struct {
	Port     int    `cty:"port"`
	Protocol string `cty:"protocol"`
}

// HealthCheck is a load balancer's target health check; durations in seconds.
type HealthCheck struct {
	Protocol           string `cty:"protocol"`
	Port               int    `cty:"port"`
	Path               string `cty:"path"`
	Interval           int    `cty:"interval"`
	Timeout            int    `cty:"timeout"`
	HealthyThreshold   int    `cty:"healthy_threshold"`
	UnhealthyThreshold int    `cty:"unhealthy_threshold"`
	Matcher            string `cty:"matcher"`
}

// ScalingGroup is the ha_scaling_group input.
type ScalingGroup struct {
	Zones                  []string `cty:"zones"`
	Image                  string   `cty:"image"`
	InstanceType           string   `cty:"instance_type"`
	MinSize                int      `cty:"min_size"`
	DesiredCapacity        int      `cty:"desired_capacity"`
	MaxSize                int      `cty:"max_size"`
	CPUTarget              int      `cty:"cpu_target"`
	HealthCheckGracePeriod int      `cty:"health_check_grace_period"`
	MinHealthyPercentage   int      `cty:"min_healthy_percentage"`
	LoadBalancer           string   `cty:"load_balancer"`
}

// Database is the ha_database input.
type Database struct {
	Engine                string `cty:"engine"`
	EngineVersion         string `cty:"engine_version"`
	InstanceClass         string `cty:"instance_class"`
	AllocatedStorage      int    `cty:"allocated_storage"`
	MultiAZ               bool   `cty:"multi_az"`
	StorageEncrypted      bool   `cty:"storage_encrypted"`
	BackupRetentionPeriod int    `cty:"backup_retention_period"`
	DeletionProtection    bool   `cty:"deletion_protection"`
	// RestoreFrom is set after a disaster: the key of the lost database
	// whose newest copied snapshot this one is restored from.
	RestoreFrom string `cty:"restore_from"`
	// Bare metal (Patroni): the host allocation's key, the declared
	// leader's host ("" for Patroni's choice), the RTO budget in seconds
	// Patroni's ttl and loop_wait are derived from (0: Patroni's defaults)
	// and async mode's replication.max_lag in bytes of WAL (Patroni's
	// maximum_lag_on_failover; 0: unset). "" and 0 on clouds.
	HostAllocation string `cty:"host_allocation"`
	Primary        string `cty:"primary"`
	FailoverBudget int    `cty:"failover_budget"`
	MaxLagBytes    int64  `cty:"max_lag_bytes"`
	// RestoreRepository and RestoreStanza are set with RestoreFrom on bare
	// metal: the key of the host allocation that holds the lost database's
	// pgBackRest repository, and the lost database's name (its stanza).
	RestoreRepository string `cty:"restore_repository"`
	RestoreStanza     string `cty:"restore_stanza"`
}

// DatabaseReplica is the ha_database_replica input.
type DatabaseReplica struct {
	Source string `cty:"source"`
	// SourceLocation is where the source lives, so a replica of a replica
	// can find its source by component tag without a resource reference.
	SourceLocation string `cty:"source_location"`
	InstanceClass  string `cty:"instance_class"`
	Engine         string `cty:"engine"`
	Promote        bool   `cty:"promote"`
}

// BackupPlan is the ha_backup_plan input.
type BackupPlan struct {
	Schedule       string `cty:"schedule"`
	RetentionDays  int    `cty:"retention_days"`
	CopyToRegion   string `cty:"copy_to_region"`
	CopyToLocation string `cty:"copy_to_location"`
	Encrypted      bool   `cty:"encrypted"`
	Database       string `cty:"database"`
	// RepositoryAllocation is, on bare metal, the key of the host
	// allocation (in copy_to's inventory) that holds the pgBackRest
	// repository; "" on clouds.
	RepositoryAllocation string `cty:"repository_allocation"`
}

// DNSFailover is the ha_dns_failover input.
type DNSFailover struct {
	FQDN        string         `cty:"fqdn"`
	Zone        string         `cty:"zone"`
	TTL         int            `cty:"ttl"`
	Backend     string         `cty:"backend"`
	Mode        string         `cty:"mode"`
	Order       []string       `cty:"order"`
	Targets     []DNSTarget    `cty:"targets"`
	HealthCheck DNSHealthCheck `cty:"health_check"`
}

// DNSTarget is one region DNS may send traffic to, in priority order.
type DNSTarget struct {
	Region         string `cty:"region"`
	LoadBalancer   string `cty:"load_balancer"`
	HostAllocation string `cty:"host_allocation"`
	// VirtualIP is the key of the region's virtual_ip component when its
	// tier has a load balancer on bare metal: DNS then answers with the VIP.
	VirtualIP string `cty:"virtual_ip"`
	Weight    int    `cty:"weight"`
}

// DNSHealthCheck is the health check the DNS service runs against each target.
type DNSHealthCheck struct {
	Protocol  string `cty:"protocol"`
	Port      int    `cty:"port"`
	Path      string `cty:"path"`
	Interval  int    `cty:"interval"`
	Threshold int    `cty:"threshold"`
}

// HostAllocation is the ha_host_allocation input.
type HostAllocation struct {
	Inventory string            `cty:"inventory"`
	Count     int               `cty:"host_count"`
	Spread    []string          `cty:"spread"`
	Require   HostRequirement   `cty:"require"`
	Tags      map[string]string `cty:"tags"`
	Tolerate  []string          `cty:"tolerate"`
	For       string            `cty:"for"`
}

// HostRequirement is what each allocated host must offer; memory in GiB.
type HostRequirement struct {
	CPUs   int `cty:"cpus"`
	Memory int `cty:"memory"`
}

var commonAttrTypes = map[string]cty.Type{
	"key":        cty.String,
	"kind":       cty.String,
	"region":     cty.String,
	"cloud":      cty.String,
	"location":   cty.String,
	"name":       cty.String,
	"depends_on": cty.List(cty.String),
	"blueprint":  cty.String,
}

// kindTypes is built on first use (by reflection over the structs above):
// most provider processes never read a blueprint.
var kindTypes = sync.OnceValue(func() map[string]cty.Type {
	samples := map[string]any{
		KindLoadBalancer:    LoadBalancer{},
		KindScalingGroup:    ScalingGroup{},
		KindDatabase:        Database{},
		KindDatabaseReplica: DatabaseReplica{},
		KindBackupPlan:      BackupPlan{},
		KindDNSFailover:     DNSFailover{},
		KindHostAllocation:  HostAllocation{},
		KindCache:           Cache{},
		KindObjectStore:     ObjectStore{},
		KindAlerts:          Alerts{},
		KindVirtualIP:       VirtualIP{},
	}
	out := make(map[string]cty.Type, len(samples))
	for kind, s := range samples {
		t, err := gocty.ImpliedType(s)
		if err != nil {
			// Only reachable through a programming error in the structs above.
			panic(fmt.Sprintf("component type %s: %v", kind, err))
		}
		attrs := map[string]cty.Type{}
		for k, v := range t.AttributeTypes() {
			attrs[k] = v
		}
		for k, v := range commonAttrTypes {
			attrs[k] = v
		}
		out[kind] = cty.Object(attrs)
	}
	return out
})

// KindType is the object type of one component of kind: the shared
// attributes plus the kind's own.
func KindType(kind string) cty.Type {
	if t, ok := kindTypes()[kind]; ok {
		return t
	}
	return cty.DynamicPseudoType
}

func (c *Component) attrs() any {
	switch c.Kind {
	case KindLoadBalancer:
		return c.LoadBalancer
	case KindScalingGroup:
		return c.ScalingGroup
	case KindDatabase:
		return c.Database
	case KindDatabaseReplica:
		return c.DatabaseReplica
	case KindBackupPlan:
		return c.BackupPlan
	case KindDNSFailover:
		return c.DNSFailover
	case KindHostAllocation:
		return c.HostAllocation
	case KindCache:
		return c.Cache
	case KindObjectStore:
		return c.ObjectStore
	case KindAlerts:
		return c.Alerts
	case KindVirtualIP:
		return c.VirtualIP
	}
	return nil
}

// Value is the component as one flat cty object of type KindType(c.Kind).
func (c *Component) Value() (cty.Value, error) {
	t, ok := kindTypes()[c.Kind]
	if !ok {
		return cty.NilVal, fmt.Errorf("component %s: unknown kind %q", c.Key, c.Kind)
	}
	a := c.attrs()
	if a == nil {
		return cty.NilVal, fmt.Errorf("component %s: no %s attributes", c.Key, c.Kind)
	}
	own := map[string]cty.Type{}
	for k, v := range t.AttributeTypes() {
		if _, common := commonAttrTypes[k]; !common {
			own[k] = v
		}
	}
	v, err := gocty.ToCtyValue(a, cty.Object(own))
	if err != nil {
		return cty.NilVal, fmt.Errorf("component %s: %w", c.Key, err)
	}
	attrs := v.AsValueMap()
	if attrs == nil {
		attrs = map[string]cty.Value{}
	}
	attrs["key"] = cty.StringVal(c.Key)
	attrs["kind"] = cty.StringVal(c.Kind)
	attrs["region"] = cty.StringVal(c.Region)
	attrs["cloud"] = cty.StringVal(c.Cloud)
	attrs["location"] = cty.StringVal(c.Location)
	attrs["name"] = cty.StringVal(c.Name)
	attrs["depends_on"] = stringList(c.DependsOn)
	attrs["blueprint"] = cty.StringVal(c.Blueprint)
	return nonNullCollections(cty.ObjectVal(attrs)), nil
}

// MarshalJSON writes the component as its flat object, keys sorted.
func (c *Component) MarshalJSON() ([]byte, error) {
	v, err := c.Value()
	if err != nil {
		return nil, err
	}
	return ctyjson.Marshal(v, v.Type())
}

func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

// nonNullCollections turns null lists and maps (nil Go slices) into empty
// ones so that consumers never have to guard against null.
func nonNullCollections(v cty.Value) cty.Value {
	out, _ := cty.Transform(v, func(_ cty.Path, v cty.Value) (cty.Value, error) {
		if !v.IsNull() {
			return v, nil
		}
		t := v.Type()
		switch {
		case t.IsListType():
			return cty.ListValEmpty(t.ElementType()), nil
		case t.IsMapType():
			return cty.MapValEmpty(t.ElementType()), nil
		}
		return v, nil
	})
	return out
}

var _ json.Marshaler = (*Component)(nil)

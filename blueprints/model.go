package blueprints

import (
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Blueprint is the decoded, checked model of one blueprint file.
type Blueprint struct {
	Name        string
	Description string
	DefRange    hcl.Range
	Variables   []*Variable
	Objectives  *ObjectivesSpec
	Regions     []*Region
	Tiers       []*Tier
	Databases   []*DatabaseSpec
	DNS         []*DNSSpec
	// Caches, ObjectStores and Alerts are declared in services.go.
	Caches       []*CacheSpec
	ObjectStores []*ObjectStoreSpec
	Alerts       *AlertsSpec

	regions map[string]*Region
	tiers   map[string]*Tier
}

// Region returns the region called name, or nil.
func (b *Blueprint) Region(name string) *Region { return b.regions[name] }

// Primary returns the primary region, or nil when there is none.
func (b *Blueprint) Primary() *Region {
	for _, r := range b.Regions {
		if r.Role == RolePrimary {
			return r
		}
	}
	return nil
}

// ranges remembers where each attribute and nested block of a block was
// written, so that later checks can point at it.
type ranges struct {
	Def   hcl.Range
	attrs map[string]hcl.Range
}

// At is the range of attribute (or nested block) name, or the block's own
// header when name was not written.
func (r ranges) At(name string) *hcl.Range {
	if rng, ok := r.attrs[name]; ok {
		return &rng
	}
	d := r.Def
	return &d
}

// Has reports whether name was written.
func (r ranges) Has(name string) bool {
	_, ok := r.attrs[name]
	return ok
}

// Variable is one declared input.
type Variable struct {
	Name      string
	Type      cty.Type
	Sensitive bool
	Value     cty.Value
	ranges
}

// ObjectivesSpec is what the blueprint promises: the longest outage (RTO)
// and the most data loss (RPO) it accepts. Zero means not set.
type ObjectivesSpec struct {
	RTO, RPO time.Duration
	ranges
}

// Region roles and clouds.
const (
	RolePrimary = "primary"
	RoleStandby = "standby"

	CloudAWS       = "aws"
	CloudGCP       = "gcp"
	CloudBareMetal = "bare_metal"
)

// Region is one place the deployment runs.
type Region struct {
	Name      string
	Cloud     string
	Location  string
	Zones     []string
	Role      string
	Inventory string
	ranges
}

// Tier is a group of identical instances, optionally behind a load balancer.
type Tier struct {
	Name string
	// Image and InstanceType per cloud ("" key: any cloud).
	Image, InstanceType map[string]string
	Regions             []string // where it runs; every region when not written
	Min, Desired, Max   int
	CPUPercent          int
	GracePeriod         time.Duration
	MinHealthyPercent   int
	LoadBalancer        *LoadBalancerSpec
	AllowSingleInstance bool
	Spread              []string
	Tolerate            []string
	RequireCPUs         int
	RequireMemoryGiB    int
	Tags                map[string]string
	Uses                []string // databases and caches the tier needs first
	ranges
	capacity ranges
}

// LoadBalancerSpec is a tier's load balancer.
type LoadBalancerSpec struct {
	Layer       int
	Listeners   []Listener
	HealthCheck HealthCheck
	// Bare metal: the virtual address per region ("" key: every region);
	// unset regions take one from their site's vip_pool.
	VIP map[string]string
	// Bare metal: VRRP advert interval (whole seconds, 1 by default).
	Advert int
	ranges
	healthCheck ranges
}

// DatabaseSpec is one database with its replication and backups.
type DatabaseSpec struct {
	Name               string
	Region             string
	Engine             string
	Version            string
	InstanceClass      map[string]string
	StorageGiB         int
	MultiAZ            bool
	DeletionProtection bool
	// Hosts and Primary are for bare-metal regions: the PostgreSQL hosts
	// (Patroni, one etcd member each) and the declared leader's host name
	// ("" for Patroni's choice; changing it switches over).
	Hosts       int
	Primary     string
	Replication ReplicationSpec
	Backup      *BackupSpec
	ranges
}

// ReplicationSpec says where copies of a database live and how they follow.
type ReplicationSpec struct {
	Mode        string // async or sync
	Replicas    int    // read replicas in the database's own region
	CrossRegion bool
	Regions     []string // explicit replica regions, instead of cross_region
	MaxLag      time.Duration
	// MaxLagBytes is max_lag written as a size ("16MiB"): on bare metal,
	// the WAL a standby may be behind and still be promoted.
	MaxLagBytes int64
	ranges
}

// BackupSpec is a database's backup plan.
type BackupSpec struct {
	Schedule  string
	Cron      string
	Interval  time.Duration
	Retain    time.Duration
	CopyTo    []string
	Encrypted bool
	ranges
}

// DNSSpec is one failover (or weighted) DNS name.
type DNSSpec struct {
	FQDN        string
	Backend     string // route53 or powerdns; "" chooses by the regions' clouds
	Zone        string
	TTL         int
	Tier        string
	Mode        string
	Order       []string
	Weights     map[string]int
	HealthCheck DNSHealthCheck
	ranges
	failover    ranges
	healthCheck ranges
}

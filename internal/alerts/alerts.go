// Package alerts holds the cloud-neutral contract of the alerts component:
// one region's notification targets (email, webhook) and the alarms on the
// region's components that notify them. ha_alerts dispatches on it by cloud.
package alerts

import (
	"context"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// ErrNotFound is backend.ErrNotFound: Read wraps it when the notification
// target (topic) no longer exists.
var ErrNotFound = backend.ErrNotFound

// Alarm is one watched condition. Metric is cloud-neutral (the blueprint's
// names: unhealthy_hosts, at_max_capacity, replica_lag,
// backup_job_failures, cache_replication_lag, object_replication_lag,
// ups_on_battery, ups_low_runtime); Target is the physical name of the
// watched object (for the UPS metrics its NUT address, UPS@HOST[:PORT]; on
// bare metal, for unhealthy_hosts the hosts' health check URLs,
// comma-separated).
type Alarm struct {
	Name              string
	Component         string
	Metric            string
	Target            string
	Comparison        string // >, >=, <, <=
	Threshold         float64
	Period            int // seconds
	EvaluationPeriods int
}

// Spec is the desired state of one region's alerts; Meta.Name names the
// notification topic.
type Spec struct {
	backend.Meta
	Emails   []string
	Webhooks []string
	Alarms   []Alarm
	// BareMetal is the bare-metal backend's part; nil on clouds.
	BareMetal *BareMetal
}

// BareMetal says where a bare-metal region's alerts run: an exporter on
// one host of the region polls the watched objects and posts each alarm's
// state changes to the webhooks (there is no topic service to hand them to).
type BareMetal struct {
	Host Host
	// BaseDir holds the exporter's files under BaseDir/NAME (default
	// /var/lib/ha-alerts).
	BaseDir string
}

// Host is the bare-metal host that runs the exporter.
type Host struct {
	Name    string // inventory name
	Address string // address SSH reaches
	HostKey string // pinned SSH host key; "" to use known_hosts
}

// Status is what the backend reads back.
type Status struct {
	Spec     Spec
	TopicID  string            // the notification topic (ARN on AWS)
	AlarmIDs map[string]string // alarm name → id (ARN)
}

// Backend manages alerts on one cloud. Apply converges to spec; Read works
// from Name and Location (import); Delete of something gone is nil.
type Backend interface {
	Apply(ctx context.Context, spec Spec, previous *Status) (*Status, error)
	Read(ctx context.Context, name, location string, previous *Status) (*Status, error)
	Delete(ctx context.Context, status *Status) error
}

// Registry holds each cloud's Backend factory; backends Register from init.
var Registry = backend.NewRegistry[Backend]("alerts")

// Register makes f the alerts backend of cloud.
func Register(cloud backend.Cloud, f backend.Factory[Backend]) { Registry.Register(cloud, f) }

// Open returns cloud's alerts backend for location.
func Open(ctx context.Context, cloud backend.Cloud, s *backend.Settings, location string) (Backend, error) {
	return Registry.Open(ctx, cloud, s, location)
}

// Metrics lists the alarm metrics every backend understands.
var Metrics = []string{"unhealthy_hosts", "at_max_capacity", "replica_lag", "backup_job_failures", "cache_replication_lag", "object_replication_lag",
	MetricUPSOnBattery, MetricUPSLowRuntime}

// The UPS metrics, watched through NUT on bare metal: on battery is 1 while
// ups.status holds OB (else 0); low runtime is battery.runtime in seconds.
const (
	MetricUPSOnBattery  = "ups_on_battery"
	MetricUPSLowRuntime = "ups_low_runtime"
	// MetricUnhealthyHosts counts a load balancer's hosts failing its
	// health check.
	MetricUnhealthyHosts = "unhealthy_hosts"
)

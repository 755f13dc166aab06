// Package alerts holds the cloud-neutral contract of the alerts component:
// one region's notification targets (email, webhook) and the alarms on the
// region's components that notify them. ha_alerts dispatches on it by cloud.
package alerts

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned (wrapped) by Read when the notification target
// (topic) no longer exists.
var ErrNotFound = errors.New("alerts not found")

// Alarm is one watched condition. Metric is cloud-neutral (the blueprint's
// names: unhealthy_hosts, at_max_capacity, replica_lag,
// backup_job_failures, cache_replication_lag, object_replication_lag);
// Target is the physical name of the watched object.
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

// Spec is the desired state of one region's alerts.
type Spec struct {
	Name     string
	Location string
	Emails   []string
	Webhooks []string
	Alarms   []Alarm
	Tags     map[string]string
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

// Registry holds one Backend per cloud.
type Registry map[string]Backend

// For returns the backend of cloud, or an error naming the known ones.
func (r Registry) For(cloud string) (Backend, error) {
	if b, ok := r[cloud]; ok && b != nil {
		return b, nil
	}
	known := make([]string, 0, len(r))
	for k := range r {
		known = append(known, k)
	}
	sort.Strings(known)
	return nil, fmt.Errorf("no alerts backend for cloud %q (have: %s)", cloud, strings.Join(known, ", "))
}

// Metrics lists the alarm metrics every backend understands.
var Metrics = []string{"unhealthy_hosts", "at_max_capacity", "replica_lag", "backup_job_failures", "cache_replication_lag", "object_replication_lag"}

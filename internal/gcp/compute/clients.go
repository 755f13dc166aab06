// Package compute implements the GCP backends of load balancers (layer 7:
// health check, backend service, URL map, target HTTP proxy, global
// forwarding rule; layer 4: the regional equivalents) and scaling groups
// (instance template, regional managed instance group, regional autoscaler,
// autohealing health check) on the Compute Engine v1 REST client.
package compute

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	compute "google.golang.org/api/compute/v1"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp"
)

// clients is the Compute Engine client of one provider, shared by every
// resource (one HTTP client; making one per call would waste
// connections).
type clients struct {
	project string
	svc     *compute.Service
}

type clientsKey struct{}

// open returns the shared clients after checking location is not lost.
func open(ctx context.Context, s *backend.Settings, location string) (*clients, *gcp.Session, error) {
	sess, err := gcp.SessionFor(s, location)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.Shared(clientsKey{}, func() (any, error) { return newClients(context.WithoutCancel(ctx), sess) })
	if err != nil {
		return nil, nil, err
	}
	return v.(*clients), sess, nil
}

func newClients(ctx context.Context, sess *gcp.Session) (*clients, error) {
	opts, err := sess.ClientOptions(gcp.Compute)
	if err != nil {
		return nil, err
	}
	svc, err := compute.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("create compute clients: %w", err)
	}
	return &clients{project: sess.Project(), svc: svc}, nil
}

// do makes a mutating call and waits for its operation.
func (c *clients) do(ctx context.Context, what string, call gcp.OpCall) error {
	return gcp.Do(ctx, c.svc, c.project, what, call)
}

func init() {
	registerLoadBalancer()
	registerScalingGroup()
}

// sameRef compares two references to one object however they are spelled
// (full self link, relative "projects/..." path, bare name).
func sameRef(a, b string) bool {
	trim := func(s string) string {
		if i := strings.Index(s, "projects/"); i >= 0 {
			return s[i:]
		}
		return s
	}
	return trim(a) == trim(b)
}

func (c *clients) globalRef(kind, name string) string {
	return fmt.Sprintf("projects/%s/global/%s/%s", c.project, kind, name)
}

func (c *clients) regionalRef(region, kind, name string) string {
	return fmt.Sprintf("projects/%s/regions/%s/%s/%s", c.project, region, kind, name)
}

// The length is checkName's (a regexp's {0,61} compiles to 61 copies, at
// every process start).
var nameRE = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)

// checkName refuses names GCP would refuse, before anything is created.
func checkName(what, name string, suffix int) error {
	if !nameRE.MatchString(name) || len(name)+suffix > 63 {
		return fmt.Errorf("%s name %q is not a valid GCP resource name: lowercase letters, digits and hyphens, starting with a letter, at most %d characters", what, name, 63-suffix)
	}
	return nil
}

var labelRE = regexp.MustCompile(`[^a-z0-9_-]+`)

// labels turns the blueprint's tags into GCP labels: keys and values in
// lowercase letters, digits, '_' and '-', at most 63 characters; ha:* keys
// become ha-*.
func labels(m backend.Meta) map[string]string {
	out := map[string]string{}
	put := func(k, v string) {
		k = clip(labelRE.ReplaceAllString(strings.ToLower(k), "-"))
		if k == "" {
			return
		}
		out[k] = clip(labelRE.ReplaceAllString(strings.ToLower(v), "-"))
	}
	keys := make([]string, 0, len(m.Tags))
	for k := range m.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		put(k, m.Tags[k])
	}
	if m.Component != "" {
		put("ha-component", m.Component)
	}
	if m.Blueprint != "" {
		put("ha-blueprint", m.Blueprint)
	}
	return out
}

func clip(s string) string {
	if len(s) > 63 {
		return s[:63]
	}
	return s
}

package haproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
	"github.com/ha-blueprints/terraform-provider-ha/internal/loadbalancer"
)

func init() {
	loadbalancer.Register(backend.BareMetal, func(_ context.Context, s *backend.Settings, location string) (loadbalancer.Backend, error) {
		hs, err := hostdeliver.ForLocation(s, location)
		if err != nil {
			return nil, err
		}
		return &Backend{SSH: hs}, nil
	})
}

// Backend is the bare_metal load balancer: HAProxy on Spec.Hosts (the VIP
// holders; their keys pinned by known_hosts), servers from Spec.Targets,
// frontends on Spec.VirtualAddress. The VIP itself is ha_virtual_ip's.
type Backend struct {
	SSH hostdeliver.Settings
	// HostKeys optionally pins keys per host address.
	HostKeys map[string]string
}

func (b *Backend) config(spec loadbalancer.Spec) (Config, error) {
	c := Config{Spec: spec}
	for _, t := range spec.Targets {
		host, port := t, 0
		if h, p, err := net.SplitHostPort(t); err == nil {
			n, err := strconv.Atoi(p)
			if err != nil {
				return c, fmt.Errorf("target %q: port: %w", t, err)
			}
			host, port = h, n
		}
		c.Servers = append(c.Servers, Server{Name: host, Address: host, Port: port})
	}
	if len(spec.Hosts) == 0 {
		return c, errors.New("no host to run HAProxy on (the tier's VIP holders)")
	}
	return c, c.Validate()
}

func (b *Backend) dialAll(ctx context.Context, spec loadbalancer.Spec) (map[string]*hostdeliver.Client, error) {
	cs := map[string]*hostdeliver.Client{}
	var errs []error
	for _, h := range spec.Hosts {
		key := spec.HostKeys[h]
		if key == "" {
			key = b.HostKeys[h]
		}
		c, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h, Address: h, HostKey: key})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cs[h] = c
	}
	if len(errs) > 0 {
		for _, c := range cs {
			_ = c.Close()
		}
		return nil, errors.Join(errs...)
	}
	return cs, nil
}

func status(spec loadbalancer.Spec) *loadbalancer.Status {
	return &loadbalancer.Status{Spec: spec, ID: spec.Location + "/" + spec.Name, Addresses: []string{spec.VirtualAddress},
		TargetGroupID: "be_" + sanitize(spec.Name)}
}

// Apply writes haproxy.cfg to every host (connecting to all first, so an
// unreachable host changes nothing) and reloads where it changed.
func (b *Backend) Apply(ctx context.Context, spec loadbalancer.Spec, _ *loadbalancer.Status) (*loadbalancer.Status, error) {
	c, err := b.config(spec)
	if err != nil {
		return nil, err
	}
	cfg, err := c.Render()
	if err != nil {
		return nil, err
	}
	cs, err := b.dialAll(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, cl := range cs {
			_ = cl.Close()
		}
	}()
	for _, h := range spec.Hosts {
		_, running := cs[h].Run(ctx, c.Running(), nil)
		if _, err := cs[h].Apply(ctx, c.Daemon(cfg), running != nil); err != nil {
			return nil, err
		}
	}
	return status(spec), nil
}

// Read reports the balancer as present when any host holds its
// configuration; a host whose file differs from the rendered one is drift,
// reported by clearing Targets so the plan shows an update.
func (b *Backend) Read(ctx context.Context, spec loadbalancer.Spec, _ *loadbalancer.Status) (*loadbalancer.Status, error) {
	if len(spec.Hosts) == 0 {
		// An import knows no hosts yet: the next apply takes them from the
		// configuration and delivers (unchanged files are not rewritten).
		return status(spec), nil
	}
	c, err := b.config(spec)
	if err != nil {
		return nil, err
	}
	want, err := c.Render()
	if err != nil {
		return nil, err
	}
	cs, err := b.dialAll(ctx, spec)
	if err != nil {
		return nil, err
	}
	found, drift := 0, false
	for _, cl := range cs {
		got, ok, err := cl.ReadFile(ctx, c.ConfigPath())
		_ = cl.Close()
		if err != nil {
			return nil, err
		}
		if ok {
			found++
		}
		if !ok || string(got) != want {
			drift = true
		}
	}
	if found == 0 {
		return nil, backend.NotFound("load balancer", spec.Name)
	}
	st := status(spec)
	if drift {
		st.Spec.Targets = nil
	}
	return st, nil
}

// Delete stops HAProxy and removes its configuration on every host.
func (b *Backend) Delete(ctx context.Context, st *loadbalancer.Status) error {
	c := Config{Spec: st.Spec}
	cs, err := b.dialAll(ctx, st.Spec)
	if err != nil {
		return err
	}
	var errs []error
	for _, cl := range cs {
		errs = append(errs, cl.Remove(ctx, c.Daemon("")))
		_ = cl.Close()
	}
	return errors.Join(errs...)
}

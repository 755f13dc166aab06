package redissentinel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/cache"
	"github.com/ha-blueprints/terraform-provider-ha/internal/hostdeliver"
)

func init() {
	cache.Register(backend.BareMetal, func(_ context.Context, s *backend.Settings, location string) (cache.Backend, error) {
		hs, err := hostdeliver.ForLocation(s, location)
		if err != nil {
			return nil, err
		}
		return &Backend{SSH: hs}, nil
	})
}

// Backend is the bare_metal cache: Redis and Sentinel on each of
// Spec.BareMetal.Hosts, configured over SSH and read back through Redis'
// and Sentinel's own protocol.
type Backend struct {
	SSH hostdeliver.Settings
	// Wait bounds the wait for the master and its replicas after a change
	// (default 2 min).
	Wait time.Duration
}

// GroupFor is the group spec describes.
func GroupFor(spec cache.Spec) (Group, error) {
	bm := spec.BareMetal
	if bm == nil {
		return Group{}, fmt.Errorf("bare-metal cache %s: no hosts given", spec.Name)
	}
	g := Group{Name: spec.Name, Primary: bm.Primary, Password: bm.Password, Port: bm.Port, SentinelPort: bm.SentinelPort,
		DownAfter: bm.DownAfter, BaseDir: bm.BaseDir}
	for _, h := range bm.Hosts {
		g.Members = append(g.Members, Member{Name: h.Name, Address: h.Address, Feeds: h.Feeds})
	}
	return g, nil
}

// CheckSpec reports what makes spec impossible or unsafe, for plan time.
func CheckSpec(spec cache.Spec) error {
	var errs []error
	if spec.Engine != "" && spec.Engine != "redis" {
		errs = append(errs, fmt.Errorf("engine %q: bare-metal caches run Redis (Debian redis-server)", spec.Engine))
	}
	if spec.TransitEncryption || spec.AtRestEncryption {
		errs = append(errs, errors.New("transit_encryption and at_rest_encryption: bare-metal caches run without TLS and disk encryption in this version; set them to false (keep the hosts on a private network)"))
	}
	g, err := GroupFor(spec)
	if err != nil {
		return err
	}
	if n := len(g.Members) - 1; spec.Replicas != n {
		errs = append(errs, fmt.Errorf("replicas = %d, but %d hosts make one master and %d replicas", spec.Replicas, len(g.Members), n))
	}
	if err := g.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ExpectedHashes is what Status.ConfigHash holds once every host has the
// rendered files: per host, the SHA-256 of its files' "SHA256  PATH" lines
// (sha256sum's output, so a host reports it in one command).
func (g Group) ExpectedHashes() (map[string]string, error) {
	out := map[string]string{}
	for _, m := range g.Members {
		fs, err := g.Files(m.Name)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, f := range fs {
			fmt.Fprintf(&b, "%s  %s\n", hostdeliver.Hash(f.Content), f.Path)
		}
		out[m.Name] = hostdeliver.Hash([]byte(b.String()))
	}
	return out, nil
}

// hashOnHost is ExpectedHashes' value for the files as found on the host,
// "" when any is missing.
func (s *session) hashOnHost(ctx context.Context, host string) (hash string, present bool, err error) {
	fs, err := s.g.Files(host)
	if err != nil {
		return "", false, err
	}
	var paths []string
	for _, f := range fs {
		paths = append(paths, hostdeliver.Quote(f.Path))
	}
	out, err := s.clients[host].Run(ctx, "sha256sum "+strings.Join(paths, " ")+" 2>/dev/null; true", nil)
	if err != nil {
		return "", false, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if strings.TrimSpace(string(out)) == "" {
		return "", false, nil
	}
	if len(lines) != len(fs) {
		return "", true, nil
	}
	return hostdeliver.Hash([]byte(strings.Join(lines, "\n") + "\n")), true, nil
}

func (g Group) daemon(host string) (hostdeliver.Daemon, error) {
	fs, err := g.Files(host)
	if err != nil {
		return hostdeliver.Daemon{}, err
	}
	ctl := hostdeliver.Quote(g.Dir(host) + "/ctl.sh")
	return hostdeliver.Daemon{
		Name:   "redis",
		Files:  fs,
		Check:  "sh -n " + ctl,
		Reload: "sh " + ctl + " restart",
		Stop:   "if [ -f " + ctl + " ]; then sh " + ctl + " stop; fi",
	}, nil
}

type session struct {
	g       Group
	clients map[string]*hostdeliver.Client
}

func (b *Backend) open(ctx context.Context, spec cache.Spec, all bool) (*session, error) {
	g, err := GroupFor(spec)
	if err != nil {
		return nil, err
	}
	s := &session{g: g, clients: map[string]*hostdeliver.Client{}}
	var errs []error
	for _, h := range spec.BareMetal.Hosts {
		c, err := hostdeliver.Dial(ctx, b.SSH, hostdeliver.Target{Name: h.Name, Address: h.Address, HostKey: h.HostKey})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.clients[h.Name] = c
	}
	if len(errs) > 0 && (all || len(s.clients) == 0) {
		s.close()
		return nil, errors.Join(errs...)
	}
	return s, nil
}

func (s *session) close() {
	for _, c := range s.clients {
		_ = c.Close()
	}
}

func (b *Backend) wait() time.Duration {
	if b.Wait > 0 {
		return b.Wait
	}
	return 2 * time.Minute
}

// Apply delivers every host's files and (re)starts Redis and Sentinel where
// they changed or do not run: on create the master first, on update the
// replicas first and the current master last. Every host is connected to
// first, so an unreachable host or a refused key changes nothing; a create
// that fails part-way removes what it started.
func (b *Backend) Apply(ctx context.Context, spec cache.Spec, previous *cache.Status) (*cache.Status, error) {
	if err := CheckSpec(spec); err != nil {
		return nil, err
	}
	s, err := b.open(ctx, spec, true)
	if err != nil {
		return nil, err
	}
	defer s.close()
	first := s.g.Master()
	if previous != nil {
		if m, _ := s.master(ctx); m != "" {
			first = m
		}
	}
	var order []string
	for _, m := range Order(s.g.Members) {
		if m.Name != first {
			order = append(order, m.Name)
		}
	}
	if previous == nil {
		order = append([]string{first}, order...)
	} else {
		order = append(order, first)
	}
	var done []string
	for _, h := range order {
		d, err := s.g.daemon(h)
		if err != nil {
			return nil, err
		}
		c := s.clients[h]
		_, notRunning := c.Run(ctx, "sh "+hostdeliver.Quote(s.g.Dir(h)+"/ctl.sh")+" running", nil)
		if _, err := c.Apply(ctx, d, notRunning != nil); err != nil {
			if previous == nil {
				for _, n := range done {
					_ = s.remove(ctx, n)
				}
				_ = s.remove(ctx, h)
			}
			return nil, err
		}
		done = append(done, h)
	}
	if err := s.waitServing(ctx, b.wait()); err != nil {
		return nil, err
	}
	return s.status(ctx, spec)
}

func (s *session) remove(ctx context.Context, host string) error {
	d, err := s.g.daemon(host)
	if err != nil {
		return err
	}
	c := s.clients[host]
	if err := c.Remove(ctx, d); err != nil {
		return err
	}
	dir := s.g.Dir(host)
	_, err = c.Run(ctx, "rm -rf "+hostdeliver.Quote(dir)+" && rmdir "+hostdeliver.Quote(s.g.baseDir()+"/"+s.g.Name)+" 2>/dev/null; true", nil)
	return err
}

func (g Group) addr(m Member, port int) string {
	return net.JoinHostPort(m.Address, strconv.Itoa(port))
}

// hostAt is the name of the member at addr, as Redis and Sentinel report
// hosts by address.
func (g Group) hostAt(addr string) (string, bool) {
	for _, m := range g.Members {
		if m.Address == addr {
			return m.Name, true
		}
	}
	return "", false
}

// master asks the Sentinels which host is master. A Sentinel that missed
// a failover (it was restarted, or its hello messages are late) still names
// the old master, so the answer with the newest configuration epoch wins,
// as it does among the Sentinels themselves; a majority of those breaks a
// tie. "" when none answers.
func (s *session) master(ctx context.Context) (string, error) {
	var views []sentinelView
	var errs []error
	for _, m := range s.g.Members {
		v, err := call(ctx, s.g.addr(m, s.g.sentinelPort()), s.g.Password, "SENTINEL", "master", s.g.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("sentinel on %s: %w", m.Name, err))
			continue
		}
		f := pairs(v)
		epoch, _ := strconv.ParseInt(f["config-epoch"], 10, 64)
		if h, ok := s.g.hostAt(f["ip"]); ok {
			views = append(views, sentinelView{Master: h, Epoch: epoch})
		}
	}
	if best := newestMaster(views); best != "" {
		return best, nil
	}
	return "", errors.Join(errs...)
}

// sentinelView is one Sentinel's answer: the master it names and the
// configuration epoch of that configuration.
type sentinelView struct {
	Master string
	Epoch  int64
}

// newestMaster is the master of the newest configuration epoch among
// views; among views of that epoch the one most name, then the first by
// name. "" for no views.
func newestMaster(views []sentinelView) string {
	var top int64 = -1
	for _, v := range views {
		top = max(top, v.Epoch)
	}
	votes := map[string]int{}
	for _, v := range views {
		if v.Epoch == top {
			votes[v.Master]++
		}
	}
	best, n := "", 0
	for h, c := range votes {
		if c > n || (c == n && h < best) {
			best, n = h, c
		}
	}
	return best
}

// pairs reads a Sentinel's flat key/value array reply into a map.
func pairs(v any) map[string]string {
	kv, _ := v.([]any)
	f := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		val, _ := kv[i+1].(string)
		f[k] = val
	}
	return f
}

// replicas are the hosts the master's Redis reports as online replicas.
func (s *session) replicas(ctx context.Context, master string) ([]string, error) {
	var mm Member
	for _, m := range s.g.Members {
		if m.Name == master {
			mm = m
		}
	}
	v, err := call(ctx, s.g.addr(mm, s.g.port()), s.g.Password, "INFO", "replication")
	if err != nil {
		return nil, fmt.Errorf("redis on %s: %w", master, err)
	}
	f := infoFields(v)
	if f["role"] != "master" {
		return nil, fmt.Errorf("redis on %s: role %s, not master", master, f["role"])
	}
	var out []string
	for k, val := range f {
		if !strings.HasPrefix(k, "slave") || !strings.Contains(val, "state=online") {
			continue
		}
		for _, kv := range strings.Split(val, ",") {
			if ip, ok := strings.CutPrefix(kv, "ip="); ok {
				if h, ok := s.g.hostAt(ip); ok {
					out = append(out, h)
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// waitServing waits until the Sentinels name a master whose Redis reports
// every other host as an online replica.
func (s *session) waitServing(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		m, err := s.master(ctx)
		if err == nil && m != "" {
			var rs []string
			if rs, err = s.replicas(ctx, m); err == nil {
				if len(rs) == len(s.g.Members)-1 {
					// Sentinels that have not yet heard of each other
					// cannot elect a leader: a failover then waits for
					// 2 × failover-timeout before its next try.
					if err = s.sentinelsAcquainted(ctx); err == nil {
						return nil
					}
				} else {
					err = fmt.Errorf("master %s has %d of %d replicas online", m, len(rs), len(s.g.Members)-1)
				}
			}
		}
		if err == nil {
			err = errors.New("no Sentinel names a master yet")
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("cache %s not serving after %s: %w", s.g.Name, limit, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// sentinelsAcquainted checks that every Sentinel knows every other
// Sentinel and every replica.
func (s *session) sentinelsAcquainted(ctx context.Context) error {
	want := len(s.g.Members) - 1
	for _, m := range s.g.Members {
		v, err := call(ctx, s.g.addr(m, s.g.sentinelPort()), s.g.Password, "SENTINEL", "master", s.g.Name)
		if err != nil {
			return fmt.Errorf("sentinel on %s: %w", m.Name, err)
		}
		f := pairs(v)
		// At least: a restarted Sentinel may be listed twice until the
		// others drop its old id.
		o, _ := strconv.Atoi(f["num-other-sentinels"])
		r, _ := strconv.Atoi(f["num-slaves"])
		if o < want || r < want {
			return fmt.Errorf("sentinel on %s knows %d other sentinels and %d replicas, want %d", m.Name, o, r, want)
		}
	}
	return nil
}

// status reads the hosts' files (drift) and the master and replicas.
func (s *session) status(ctx context.Context, spec cache.Spec) (*cache.Status, error) {
	st := &cache.Status{Spec: spec, ID: spec.Name, State: "available", Port: s.g.port(), ConfigHash: map[string]string{}}
	present := false
	type answer struct {
		host, hash string
		present    bool
		err        error
	}
	ch := make(chan answer, len(s.g.Members))
	n := 0
	for _, m := range s.g.Members {
		st.ConfigHash[m.Name] = ""
		if s.clients[m.Name] == nil {
			continue
		}
		n++
		go func(h string) {
			hash, ok, err := s.hashOnHost(ctx, h)
			ch <- answer{h, hash, ok, err}
		}(m.Name)
	}
	var errs []error
	for ; n > 0; n-- {
		a := <-ch
		errs = append(errs, a.err)
		st.ConfigHash[a.host] = a.hash
		present = present || a.present
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if !present {
		return nil, backend.NotFound("cache", spec.Name)
	}
	if m, err := s.master(ctx); err == nil {
		st.Master = m
		for _, h := range s.g.Members {
			if h.Name == m {
				st.PrimaryEndpoint = s.g.addr(h, s.g.port())
			}
		}
		if rs, err := s.replicas(ctx, m); err == nil {
			st.Replicas = rs
		} else {
			st.State = "degraded"
		}
	} else {
		st.State = "unavailable"
	}
	var ss []string
	for _, h := range s.g.Members {
		ss = append(ss, s.g.addr(h, s.g.sentinelPort()))
	}
	// Clients of a Sentinel-managed group ask the Sentinels for the master.
	st.ReaderEndpoint = strings.Join(ss, ",")
	st.ID = spec.Name
	return st, nil
}

// Read works from spec's hosts; a host that cannot be reached reads as
// missing files (drift) unless none can be reached.
func (b *Backend) Read(ctx context.Context, spec cache.Spec, _ *cache.Status) (*cache.Status, error) {
	if spec.BareMetal == nil || len(spec.BareMetal.Hosts) == 0 {
		return &cache.Status{Spec: spec, ID: spec.Name}, nil // imported: hosts come with the next apply
	}
	s, err := b.open(ctx, spec, false)
	if err != nil {
		return nil, err
	}
	defer s.close()
	return s.status(ctx, spec)
}

// Delete stops Redis and Sentinel and removes their files on every host.
func (b *Backend) Delete(ctx context.Context, st *cache.Status) error {
	if st.Spec.BareMetal == nil || len(st.Spec.BareMetal.Hosts) == 0 {
		return nil
	}
	s, err := b.open(ctx, st.Spec, true)
	if err != nil {
		return err
	}
	defer s.close()
	var errs []error
	for _, m := range s.g.Members {
		if err := s.remove(ctx, m.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

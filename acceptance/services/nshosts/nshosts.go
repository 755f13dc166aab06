// Package nshosts makes test hosts that are real machines to the software on
// them: each host is a Linux network namespace on a private bridge, with its
// inventory address on eth0 and its own sshd (per-host host key, config in a
// temporary directory). Files under /etc/NAME of a host are private to it
// (ip netns exec bind-mounts /etc/netns/NS/NAME there), so two hosts can each
// have their own /etc/keepalived or /etc/haproxy. See README.md.
//
// Nothing leaves the namespaces and the bridge: the bridge has no route
// beyond its own subnet and no forwarding to other interfaces.
package nshosts

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

// registryDir holds one file per live lab, naming its owner, so a later run
// can remove the namespaces and bridges of a run that crashed.
const registryDir = "/run/ha-nshosts"

// PrivateDirs are the /etc directories made private to every host.
var PrivateDirs = []string{"keepalived", "haproxy"}

// Host is one namespace host.
type Host struct {
	Name    string // inventory name
	Address string // inventory address, on eth0
	Netns   string // network namespace name
	Veth    string // root-side veth interface on the bridge
	// HostKey is the host's public key in authorized_keys form
	// ("ssh-ed25519 AAAA..."), the value an inventory pins.
	HostKey string
	// EtcDir is the host's private /etc overlay (EtcDir/keepalived is the
	// host's /etc/keepalived).
	EtcDir string

	lab     *Lab
	mu      sync.Mutex
	sshd    *exec.Cmd
	sshdEnd chan struct{}
	powered bool
}

// Lab is a set of namespace hosts on one bridge.
type Lab struct {
	Tag    string // unique per lab, in every namespace and interface name
	Dir    string // temporary files: keys, sshd configs, logs
	Bridge string
	Prefix netip.Prefix
	// BridgeAddress is the root namespace's address on the bridge.
	BridgeAddress string
	Hosts         map[string]*Host
	// User and ClientKey (PEM, OpenSSH format) log in to every host.
	User      string
	ClientKey []byte
	// ClientPublicKey is the authorized_keys line of ClientKey.
	ClientPublicKey string
}

// Spec says which hosts to make.
type Spec struct {
	// Prefix is the subnet of the host addresses (e.g. 10.213.7.0/24); the
	// bridge takes its last usable address. Empty: a random 10.2xx.y.0/24.
	Prefix string
	// Hosts maps inventory names to addresses; an empty address is filled
	// from Prefix in name order.
	Hosts map[string]string
	// Dir holds the lab's files; empty: a new temporary directory.
	Dir string
	// Detached labs outlive the calling process (make services-up); they
	// are stale once Dir is gone.
	Detached bool
}

var labSeq atomic.Int32

// Start makes the hosts and waits until every sshd answers. On error
// everything made so far is removed.
func Start(ctx context.Context, spec Spec) (*Lab, error) {
	if err := CleanStale(); err != nil {
		return nil, fmt.Errorf("clean stale labs: %w", err)
	}
	if len(spec.Hosts) == 0 {
		return nil, errors.New("no hosts")
	}
	for _, bin := range []string{"ip", "/usr/sbin/sshd"} {
		if _, err := exec.LookPath(bin); err != nil {
			return nil, fmt.Errorf("%s not found (scripts/install-deps.sh installs openssh-server and iproute2): %w", bin, err)
		}
	}
	prefix, err := pickPrefix(spec.Prefix)
	if err != nil {
		return nil, err
	}
	dir := spec.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "nshosts-"); err != nil {
			return nil, err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tag := fmt.Sprintf("%x%c", os.Getpid(), 'a'+labSeq.Add(1)%26)
	l := &Lab{Tag: tag, Dir: dir, Bridge: "hb" + tag, Prefix: prefix, Hosts: map[string]*Host{}, User: "root"}
	owner := os.Getpid()
	if spec.Detached {
		owner = 0
	}
	if err := l.register(owner, spec.Detached); err != nil {
		return nil, err
	}
	if err := l.build(ctx, spec); err != nil {
		_ = l.Stop()
		return nil, err
	}
	return l, nil
}

func pickPrefix(s string) (netip.Prefix, error) {
	if s != "" {
		p, err := netip.ParsePrefix(s)
		if err != nil || !p.Addr().Is4() || p.Bits() > 29 {
			return netip.Prefix{}, fmt.Errorf("prefix %q: want an IPv4 subnet of /29 or larger", s)
		}
		return p.Masked(), nil
	}
	var b [2]byte
	_, _ = rand.Read(b[:])
	return netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.0/24", 200+int(b[0])%50, b[1])), nil
}

func (l *Lab) build(ctx context.Context, spec Spec) error {
	// The bridge's address is the last usable one in the prefix.
	last := lastAddr(l.Prefix)
	l.BridgeAddress = last.Prev().String()
	if err := run(ctx, "ip", "link", "add", l.Bridge, "type", "bridge"); err != nil {
		return err
	}
	if err := run(ctx, "ip", "addr", "add", fmt.Sprintf("%s/%d", l.BridgeAddress, l.Prefix.Bits()), "dev", l.Bridge); err != nil {
		return err
	}
	if err := run(ctx, "ip", "link", "set", l.Bridge, "up"); err != nil {
		return err
	}
	if err := l.makeClientKey(); err != nil {
		return err
	}
	names := make([]string, 0, len(spec.Hosts))
	for n := range spec.Hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	next := l.Prefix.Addr().Next()
	used := map[string]bool{}
	for _, a := range spec.Hosts {
		used[a] = true
	}
	for i, n := range names {
		addr := spec.Hosts[n]
		if addr == "" {
			for used[next.String()] {
				next = next.Next()
			}
			addr = next.String()
			used[addr] = true
		}
		a, err := netip.ParseAddr(addr)
		if err != nil || !l.Prefix.Contains(a) || addr == l.BridgeAddress {
			return fmt.Errorf("host %s: address %q is not a free address in %s", n, addr, l.Prefix)
		}
		h := &Host{Name: n, Address: addr, Netns: fmt.Sprintf("hn%s-%d", l.Tag, i), Veth: fmt.Sprintf("hv%s%d", l.Tag, i), lab: l}
		l.Hosts[n] = h
		if err := h.create(ctx); err != nil {
			return fmt.Errorf("host %s: %w", n, err)
		}
	}
	for _, n := range names {
		if err := l.Hosts[n].waitSSH(ctx); err != nil {
			return fmt.Errorf("host %s: %w", n, err)
		}
	}
	return nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	n := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n |= (1 << (32 - p.Bits())) - 1
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

func (l *Lab) makeClientKey() error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, "nshosts client")
	if err != nil {
		return err
	}
	l.ClientKey = pem.EncodeToMemory(block)
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	l.ClientPublicKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	return os.WriteFile(filepath.Join(l.Dir, "authorized_keys"), []byte(l.ClientPublicKey+"\n"), 0o600)
}

func (h *Host) create(ctx context.Context) error {
	l := h.lab
	peer := "hp" + h.Veth[2:]
	steps := [][]string{
		{"ip", "netns", "add", h.Netns},
		{"ip", "link", "add", h.Veth, "type", "veth", "peer", "name", peer},
		{"ip", "link", "set", peer, "netns", h.Netns},
		{"ip", "link", "set", h.Veth, "master", l.Bridge},
		{"ip", "link", "set", h.Veth, "up"},
		{"ip", "-n", h.Netns, "link", "set", peer, "name", "eth0"},
		{"ip", "-n", h.Netns, "addr", "add", fmt.Sprintf("%s/%d", h.Address, l.Prefix.Bits()), "dev", "eth0"},
		{"ip", "-n", h.Netns, "link", "set", "eth0", "up"},
		{"ip", "-n", h.Netns, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(ctx, s...); err != nil {
			return err
		}
	}
	// The host's private /etc directories: ip netns exec bind-mounts
	// /etc/netns/NS/X over /etc/X for everything it runs.
	h.EtcDir = filepath.Join("/etc/netns", h.Netns)
	for _, d := range PrivateDirs {
		if _, err := os.Stat(filepath.Join("/etc", d)); err != nil {
			if err := os.MkdirAll(filepath.Join("/etc", d), 0o755); err != nil {
				return err
			}
		}
		if err := os.MkdirAll(filepath.Join(h.EtcDir, d), 0o755); err != nil {
			return err
		}
	}
	hdir := filepath.Join(l.Dir, h.Name)
	if err := os.MkdirAll(hdir, 0o700); err != nil {
		return err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, h.Name)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(hdir, "ssh_host_ed25519_key"), pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	h.HostKey = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	// HOME is the host's directory: a session's shell then reads no
	// startup files of the machine's root account (slow or noisy ones).
	conf := fmt.Sprintf(`ListenAddress %s:22
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
Subsystem sftp internal-sftp
SetEnv HOME=%s
`, h.Address, filepath.Join(hdir, "ssh_host_ed25519_key"), filepath.Join(hdir, "sshd.pid"), filepath.Join(l.Dir, "authorized_keys"), hdir)
	if err := os.WriteFile(filepath.Join(hdir, "sshd_config"), []byte(conf), 0o600); err != nil {
		return err
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // sshd's privilege separation directory
		return err
	}
	return h.startSSHD()
}

func (h *Host) startSSHD() error {
	hdir := filepath.Join(h.lab.Dir, h.Name)
	logf, err := os.OpenFile(filepath.Join(hdir, "sshd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command("ip", "netns", "exec", h.Netns, "/usr/sbin/sshd", "-D", "-e", "-f", filepath.Join(hdir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start sshd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	h.mu.Lock()
	h.sshd, h.sshdEnd, h.powered = cmd, done, true
	h.mu.Unlock()
	return nil
}

func (h *Host) waitSSH(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var last error
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(h.Address, "22"), time.Second)
		if err == nil {
			_ = c.Close()
			return nil
		}
		last = err
		select {
		case <-h.sshdEnd:
			return fmt.Errorf("sshd exited (see %s): %w", filepath.Join(h.lab.Dir, h.Name, "sshd.log"), last)
		case <-ctx.Done():
			return fmt.Errorf("sshd not answering on %s:22: %w", h.Address, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Exec runs argv inside the host (its network namespace and private /etc),
// as the host's own shell would, and returns combined output.
func (h *Host) Exec(ctx context.Context, argv ...string) ([]byte, error) {
	out, err := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", h.Netns}, argv...)...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s on %s: %w: %s", strings.Join(argv, " "), h.Name, err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// Start runs argv in the background inside the host, logging to
// Lab.Dir/NAME/LOGNAME.log. PowerOff and Lab.Stop kill it with everything
// else in the host; callers may also stop it themselves.
func (h *Host) Start(logName string, argv ...string) (*exec.Cmd, error) {
	logf, err := os.OpenFile(filepath.Join(h.lab.Dir, h.Name, logName+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	cmd := exec.Command("ip", append([]string{"netns", "exec", h.Netns}, argv...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("host %s: start %s: %w", h.Name, argv[0], err)
	}
	go func() { _ = cmd.Wait() }()
	return cmd, nil
}

// Powered reports whether the host is up.
func (h *Host) Powered() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.powered
}

// PowerOff is what losing every power feed does to a host: its link goes
// down and every process in it is killed at once (SIGKILL, no shutdown).
func (h *Host) PowerOff(ctx context.Context) error {
	h.mu.Lock()
	h.powered = false
	h.mu.Unlock()
	err := run(ctx, "ip", "link", "set", h.Veth, "down")
	for _, pid := range netnsPIDs(h.Netns) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	h.mu.Lock()
	if h.sshd != nil && h.sshd.Process != nil {
		_ = syscall.Kill(-h.sshd.Process.Pid, syscall.SIGKILL)
		<-h.sshdEnd
	}
	h.mu.Unlock()
	return err
}

// PowerOn brings the link back and starts sshd again (the host's "boot");
// daemons delivered to it start again only when delivery runs them.
func (h *Host) PowerOn(ctx context.Context) error {
	if h.Powered() {
		return nil
	}
	if err := run(ctx, "ip", "link", "set", h.Veth, "up"); err != nil {
		return err
	}
	if err := h.startSSHD(); err != nil {
		return err
	}
	return h.waitSSH(ctx)
}

// LinkDown takes only the host's network link down (processes keep running).
func (h *Host) LinkDown(ctx context.Context) error {
	return run(ctx, "ip", "link", "set", h.Veth, "down")
}

// LinkUp brings the host's network link back.
func (h *Host) LinkUp(ctx context.Context) error { return run(ctx, "ip", "link", "set", h.Veth, "up") }

// KnownHosts returns a known_hosts file pinning every host's key.
func (l *Lab) KnownHosts() string {
	var b strings.Builder
	for _, h := range l.sorted() {
		fmt.Fprintf(&b, "%s %s\n", h.Address, h.HostKey)
	}
	return b.String()
}

func (l *Lab) sorted() []*Host {
	hs := make([]*Host, 0, len(l.Hosts))
	for _, h := range l.Hosts {
		hs = append(hs, h)
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].Name < hs[j].Name })
	return hs
}

// Stop kills everything in the lab's namespaces and removes the
// namespaces, interfaces, private /etc overlays and the registry entry.
// The lab's Dir is removed too when Start created it.
func (l *Lab) Stop() error {
	var errs []error
	for _, h := range l.Hosts {
		h.mu.Lock()
		if h.sshd != nil && h.sshd.Process != nil && h.powered {
			_ = syscall.Kill(-h.sshd.Process.Pid, syscall.SIGKILL)
			<-h.sshdEnd
		}
		h.mu.Unlock()
	}
	if err := removeTag(l.Tag); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeTag removes every namespace and interface whose name carries tag.
func removeTag(tag string) error {
	var errs []error
	nss, _ := listNetns()
	for _, ns := range nss {
		if !strings.HasPrefix(ns, "hn"+tag+"-") {
			continue
		}
		for _, pid := range netnsPIDs(ns) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if err := run(context.Background(), "ip", "netns", "del", ns); err != nil {
			errs = append(errs, err)
		}
		_ = os.RemoveAll(filepath.Join("/etc/netns", ns))
	}
	links, _ := listLinks()
	for _, ln := range links {
		if ln == "hb"+tag || strings.HasPrefix(ln, "hv"+tag) {
			_ = run(context.Background(), "ip", "link", "del", ln)
		}
	}
	if b, err := os.ReadFile(filepath.Join(registryDir, tag+".json")); err == nil {
		var e regEntry
		if json.Unmarshal(b, &e) == nil && e.OwnDir && e.Dir != "" {
			_ = os.RemoveAll(e.Dir)
		}
	}
	_ = os.Remove(filepath.Join(registryDir, tag+".json"))
	return errors.Join(errs...)
}

type regEntry struct {
	Owner    int    `json:"owner"` // pid; 0 for a detached lab
	Dir      string `json:"dir"`
	OwnDir   bool   `json:"own_dir"`
	Detached bool   `json:"detached"`
}

func (l *Lab) register(owner int, detached bool) error {
	if err := os.MkdirAll(registryDir, 0o700); err != nil {
		return err
	}
	e := regEntry{Owner: owner, Dir: l.Dir, OwnDir: strings.HasPrefix(filepath.Base(l.Dir), "nshosts-"), Detached: detached}
	b, _ := json.Marshal(e)
	return os.WriteFile(filepath.Join(registryDir, l.Tag+".json"), b, 0o600)
}

// CleanStale removes the labs of runs that ended without Stop: an owned lab
// whose owner process is gone, a detached one whose Dir is gone, and any
// namespace or interface named like a lab without a registry entry.
func CleanStale() error {
	live := map[string]bool{}
	ents, _ := os.ReadDir(registryDir)
	var errs []error
	for _, ent := range ents {
		tag, ok := strings.CutSuffix(ent.Name(), ".json")
		if !ok {
			continue
		}
		b, err := os.ReadFile(filepath.Join(registryDir, ent.Name()))
		var e regEntry
		if err == nil {
			err = json.Unmarshal(b, &e)
		}
		stale := err != nil
		if !stale && e.Detached {
			_, serr := os.Stat(filepath.Join(e.Dir, "authorized_keys"))
			stale = serr != nil
		} else if !stale {
			stale = syscall.Kill(e.Owner, 0) != nil
		}
		if stale {
			if err := removeTag(tag); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		live[tag] = true
	}
	// Leftovers without a registry entry (e.g. /run was cleared).
	orphans := map[string]bool{}
	nss, _ := listNetns()
	for _, ns := range nss {
		if t, ok := tagOf(ns, "hn"); ok && !live[t] {
			orphans[t] = true
		}
	}
	links, _ := listLinks()
	for _, ln := range links {
		if t, ok := tagOf(ln, "hb"); ok && !live[t] {
			orphans[t] = true
		}
	}
	for t := range orphans {
		if err := removeTag(t); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// tagOf extracts the lab tag (hex pid + one letter) from a name.
func tagOf(name, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || len(rest) < 2 {
		return "", false
	}
	i := 0
	for i < len(rest) && strings.ContainsRune("0123456789abcdef", rune(rest[i])) {
		i++
	}
	// The letter after the pid is part of the tag; hex digits a-f are
	// ambiguous with it, so accept the longest run that leaves a letter.
	for j := i; j >= 1; j-- {
		if j < len(rest) && rest[j] >= 'a' && rest[j] <= 'z' {
			if _, err := strconv.ParseUint(rest[:j], 16, 32); err == nil {
				tail := rest[j+1:]
				if prefix == "hb" && tail == "" || prefix == "hn" && strings.HasPrefix(tail, "-") {
					return rest[:j+1], true
				}
			}
		}
	}
	return "", false
}

func listNetns() ([]string, error) {
	ents, err := os.ReadDir("/run/netns")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}

func listLinks() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, i := range ifs {
		out = append(out, i.Name)
	}
	return out, nil
}

func netnsPIDs(ns string) []int {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

func run(ctx context.Context, argv ...string) error {
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

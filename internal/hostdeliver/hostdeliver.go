// Package hostdeliver writes configuration files to hosts over SSH and
// reloads the daemon that reads them, idempotently: a file whose content is
// already on the host (same SHA-256) is neither rewritten nor reloaded. It
// reads files back, so a hand edit on a host shows as drift. See README.md.
//
// Host keys are always pinned (from the inventory or a known_hosts text);
// a host whose key does not match is refused, never trusted on first use.
package hostdeliver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// Settings are the provider's bare_metal settings.
type Settings struct {
	User       string // default "root"
	PrivateKey []byte // PEM (OpenSSH, PKCS#1/8)
	// KnownHosts is a known_hosts text used for hosts without a pinned key.
	KnownHosts string
	Timeout    time.Duration // per connection; default 10s
}

// Target is one host to deliver to.
type Target struct {
	Name    string // inventory name, used in every error
	Address string // host or host:port (port 22 by default)
	// HostKey pins the host's key ("ssh-ed25519 AAAA..."); empty: look the
	// address up in Settings.KnownHosts.
	HostKey string
}

// HostError names the host an operation failed on.
type HostError struct {
	Host string
	Err  error
}

func (e *HostError) Error() string { return fmt.Sprintf("host %s: %v", e.Host, e.Err) }
func (e *HostError) Unwrap() error { return e.Err }

// ErrHostKey is wrapped by errors where the host's key did not match its pin.
var ErrHostKey = errors.New("host key does not match the pinned key")

// Client is one SSH connection to a host.
type Client struct {
	target Target
	conn   *ssh.Client
}

// Dial connects to t and authenticates with the settings' key.
func Dial(ctx context.Context, s Settings, t Target) (*Client, error) {
	fail := func(err error) (*Client, error) { return nil, &HostError{Host: t.Name, Err: err} }
	if len(s.PrivateKey) == 0 {
		return fail(errors.New("no SSH private key configured (bare_metal.ssh_private_key or HA_BARE_METAL_SSH_PRIVATE_KEY)"))
	}
	signer, err := ssh.ParsePrivateKey(s.PrivateKey)
	if err != nil {
		return fail(fmt.Errorf("parse SSH private key: %w", err))
	}
	hkcb, err := hostKeyCallback(s, t)
	if err != nil {
		return fail(err)
	}
	user := s.User
	if user == "" {
		user = "root"
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	addr := t.Address
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, "22")
	}
	d := net.Dialer{Timeout: timeout}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nc, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return fail(fmt.Errorf("unreachable: %w", err))
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	cc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: hkcb,
		Timeout:         timeout,
	})
	if err != nil {
		_ = nc.Close()
		var ke *knownhosts.KeyError
		if errors.As(err, &ke) || errors.Is(err, ErrHostKey) {
			return fail(fmt.Errorf("%w: %w", ErrHostKey, err))
		}
		return fail(fmt.Errorf("ssh handshake: %w", err))
	}
	_ = nc.SetDeadline(time.Time{})
	return &Client{target: t, conn: ssh.NewClient(cc, chans, reqs)}, nil
}

func hostKeyCallback(s Settings, t Target) (ssh.HostKeyCallback, error) {
	if t.HostKey != "" {
		want, _, _, _, err := ssh.ParseAuthorizedKey([]byte(t.HostKey))
		if err != nil {
			return nil, fmt.Errorf("pinned host key: %w", err)
		}
		return func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if !bytes.Equal(got.Marshal(), want.Marshal()) {
				return fmt.Errorf("%w: host offered %s %s", ErrHostKey, got.Type(), ssh.FingerprintSHA256(got))
			}
			return nil
		}, nil
	}
	if strings.TrimSpace(s.KnownHosts) == "" {
		return nil, errors.New("no host key pinned: set ssh_host_key on the host in the inventory or bare_metal.known_hosts")
	}
	return knownHostsCallback(s.KnownHosts)
}

// knownHostsCallback checks keys against a known_hosts text (the
// knownhosts package reads files only, so the text is parsed line by line).
func knownHostsCallback(text string) (ssh.HostKeyCallback, error) {
	type entry struct {
		hosts []string
		key   ssh.PublicKey
	}
	var entries []entry
	rest := []byte(text)
	for len(rest) > 0 {
		_, hosts, key, _, r, err := ssh.ParseKnownHosts(rest)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("known_hosts: %w", err)
		}
		entries = append(entries, entry{hosts, key})
		rest = r
	}
	return func(hostname string, remote net.Addr, got ssh.PublicKey) error {
		candidates := []string{knownhosts.Normalize(hostname)}
		if remote != nil {
			candidates = append(candidates, knownhosts.Normalize(remote.String()))
		}
		known := false
		for _, e := range entries {
			for _, h := range e.hosts {
				for _, c := range candidates {
					if h == c || knownhosts.Normalize(h) == c {
						known = true
						if bytes.Equal(e.key.Marshal(), got.Marshal()) {
							return nil
						}
					}
				}
			}
		}
		if known {
			return fmt.Errorf("%w: host offered %s %s", ErrHostKey, got.Type(), ssh.FingerprintSHA256(got))
		}
		return fmt.Errorf("%w: %s is not in known_hosts", ErrHostKey, hostname)
	}, nil
}

// Close ends the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Run runs a shell command on the host; stdin may be nil.
func (c *Client) Run(ctx context.Context, cmd string, stdin []byte) ([]byte, error) {
	sess, err := c.conn.NewSession()
	if err != nil {
		return nil, &HostError{Host: c.target.Name, Err: fmt.Errorf("open session: %w", err)}
	}
	defer func() { _ = sess.Close() }()
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	// The session copies stdout and stderr in two goroutines.
	var out lockedBuffer
	sess.Stdout = &out
	sess.Stderr = &out
	done := make(chan error, 1)
	go func() { done <- sess.Run(cmd) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		return out.Bytes(), &HostError{Host: c.target.Name, Err: ctx.Err()}
	}
	if err != nil {
		return out.Bytes(), &HostError{Host: c.target.Name, Err: fmt.Errorf("%s: %w: %s", firstWord(cmd), err, strings.TrimSpace(out.String()))}
	}
	return out.Bytes(), nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}

func (b *lockedBuffer) String() string { return string(b.Bytes()) }

func firstWord(cmd string) string {
	if f := strings.Fields(cmd); len(f) > 0 {
		return f[0]
	}
	return cmd
}

// Hash is the hex SHA-256 of content, the value compared for idempotence.
func Hash(content []byte) string {
	s := sha256.Sum256(content)
	return hex.EncodeToString(s[:])
}

// ReadFile returns the file's content and whether it exists.
func (c *Client) ReadFile(ctx context.Context, path string) ([]byte, bool, error) {
	out, err := c.Run(ctx, "if [ -e "+quote(path)+" ]; then printf 1; cat "+quote(path)+"; else printf 0; fi", nil)
	if err != nil {
		return nil, false, err
	}
	if len(out) == 0 {
		return nil, false, &HostError{Host: c.target.Name, Err: fmt.Errorf("read %s: empty answer", path)}
	}
	if out[0] == '0' {
		return nil, false, nil
	}
	return out[1:], true, nil
}

// WriteFile writes content to path (atomically: a temporary file renamed
// over it) unless the host already has exactly that content. It reports
// whether it wrote.
func (c *Client) WriteFile(ctx context.Context, path string, content []byte, mode uint32) (bool, error) {
	sum, err := c.Run(ctx, "sha256sum "+quote(path)+" 2>/dev/null || true", nil)
	if err != nil {
		return false, err
	}
	if f := strings.Fields(string(sum)); len(f) > 0 && f[0] == Hash(content) {
		return false, nil
	}
	tmp := path + ".ha-tmp"
	cmd := fmt.Sprintf("mkdir -p %s && umask 077 && cat > %s && chmod %o %s && mv -f %s %s",
		quote(dirOf(path)), quote(tmp), mode, quote(tmp), quote(tmp), quote(path))
	if _, err := c.Run(ctx, cmd, content); err != nil {
		return false, err
	}
	return true, nil
}

// RemoveFile removes path; a file already gone is not an error.
func (c *Client) RemoveFile(ctx context.Context, path string) error {
	_, err := c.Run(ctx, "rm -f "+quote(path), nil)
	return err
}

func dirOf(p string) string {
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "/"
}

// quote makes s one word for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Quote is quote for callers composing commands.
func Quote(s string) string { return quote(s) }

// File is one file of a daemon.
type File struct {
	Path    string
	Content []byte
	Mode    uint32 // default 0644
}

// Daemon is what a host runs from delivered files. Without systemd (as in
// network namespaces, or on hosts managed by hand) "reload" is a command:
// e.g. for keepalived `[ -s PID ] && kill -HUP $(cat PID) || keepalived -f
// CONF -p PID ...`. Commands run with sh -c.
type Daemon struct {
	Name  string
	Files []File
	// Reload is run after any file changed (and Start when nothing runs).
	Reload string
	// Check, when set, validates the written files before Reload (e.g.
	// `keepalived -t -f CONF`); a failing check restores nothing but stops
	// the reload, so the running daemon keeps its old configuration.
	Check string
	// Stop is run by Remove before the files are removed.
	Stop string
}

// Result says what Apply did on one host.
type Result struct {
	Host     string
	Changed  []string // paths written
	Reloaded bool
}

// Apply writes the daemon's files and reloads it when any changed (or when
// force is set, e.g. the daemon is not running).
func (c *Client) Apply(ctx context.Context, d Daemon, force bool) (Result, error) {
	r := Result{Host: c.target.Name}
	for _, f := range d.Files {
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		wrote, err := c.WriteFile(ctx, f.Path, f.Content, mode)
		if err != nil {
			return r, err
		}
		if wrote {
			r.Changed = append(r.Changed, f.Path)
		}
	}
	if len(r.Changed) == 0 && !force {
		return r, nil
	}
	if d.Check != "" {
		if _, err := c.Run(ctx, d.Check, nil); err != nil {
			return r, fmt.Errorf("%s configuration check: %w", d.Name, err)
		}
	}
	if d.Reload != "" {
		if _, err := c.Run(ctx, d.Reload, nil); err != nil {
			return r, fmt.Errorf("%s reload: %w", d.Name, err)
		}
		r.Reloaded = true
	}
	return r, nil
}

// Read returns the current content of each of the daemon's files (nil for
// a missing file), keyed by path.
func (c *Client) Read(ctx context.Context, d Daemon) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range d.Files {
		b, ok, err := c.ReadFile(ctx, f.Path)
		if err != nil {
			return nil, err
		}
		if ok {
			out[f.Path] = b
		} else {
			out[f.Path] = nil
		}
	}
	return out, nil
}

// Remove stops the daemon and removes its files.
func (c *Client) Remove(ctx context.Context, d Daemon) error {
	if d.Stop != "" {
		if _, err := c.Run(ctx, d.Stop, nil); err != nil {
			return fmt.Errorf("%s stop: %w", d.Name, err)
		}
	}
	for _, f := range d.Files {
		if err := c.RemoveFile(ctx, f.Path); err != nil {
			return err
		}
	}
	return nil
}

// ForLocation is FromBackend for a backend opened for location, which must
// be a bare-metal site: the opening every bare-metal backend does.
func ForLocation(s *backend.Settings, location string) (Settings, error) {
	if err := s.CheckLocation(backend.BareMetal, location); err != nil {
		return Settings{}, err
	}
	return FromBackend(s.BareMetal)
}

// FromBackend reads the bare_metal settings' key and known_hosts, each given
// as text or as a file path.
func FromBackend(b backend.BareMetalSettings) (Settings, error) {
	s := Settings{User: b.SSHUser}
	key := b.SSHPrivateKey
	if key != "" && !strings.Contains(key, "-----BEGIN") {
		raw, err := os.ReadFile(key)
		if err != nil {
			return s, fmt.Errorf("bare_metal.ssh_private_key: neither a PEM key nor a readable file: %w", err)
		}
		key = string(raw)
	}
	s.PrivateKey = []byte(key)
	kh := b.SSHKnownHosts
	if kh != "" && !strings.ContainsAny(strings.TrimSpace(kh), " \n") {
		raw, err := os.ReadFile(kh)
		if err != nil {
			return s, fmt.Errorf("bare_metal.known_hosts: %w", err)
		}
		kh = string(raw)
	}
	s.KnownHosts = kh
	return s, nil
}

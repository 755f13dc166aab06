package services

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services/nshosts"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
)

// HostsInventory is the inventory whose hosts `make services-up` starts
// as namespace hosts when run as root.
const HostsInventory = "examples/inventory/dc1.inventory.hcl"

func hostsDir(dir string) string { return filepath.Join(dir, "hosts") }

// StartHosts makes every host of the inventory at invPath a namespace host
// (nshosts, detached so that it outlives this process) at its inventory
// address, in the site's network. In dir/hosts it writes the SSH client
// key, a known_hosts file and a copy of the inventory whose hosts pin
// their keys (ssh_host_key); it returns the environment that points the
// provider at them. Needs root.
func StartHosts(ctx context.Context, dir, invPath string) (map[string]string, error) {
	src, err := os.ReadFile(invPath)
	if err != nil {
		return nil, err
	}
	inv, diags := inventory.Parse(lang.NewParser(), invPath, src, inventory.Options{})
	if diags.HasErrors() {
		return nil, fmt.Errorf("inventory %s: %s", invPath, diags.Error())
	}
	spec := nshosts.Spec{Hosts: map[string]string{}, Dir: hostsDir(dir), Detached: true}
	for _, s := range inv.Sites {
		if s.Network.IsValid() {
			spec.Prefix = s.Network.String()
		}
	}
	for n, h := range inv.Hosts {
		spec.Hosts[n] = h.Address
	}
	lab, err := nshosts.Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	hd := hostsDir(dir)
	pinned := string(src)
	for n, h := range lab.Hosts {
		// After the host's address line, in the host's own block.
		re := regexp.MustCompile(`(host\s+"` + regexp.QuoteMeta(n) + `"\s*\{[^}]*?\n(\s*)address\s*=\s*"[^"]*"[^\n]*\n)`)
		pinned = re.ReplaceAllString(pinned, "${1}${2}ssh_host_key = \""+strings.TrimSpace(h.HostKey)+"\"\n")
	}
	files := map[string]string{
		"client_key":           string(lab.ClientKey),
		"known_hosts":          lab.KnownHosts(),
		filepath.Base(invPath): pinned,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(hd, name), []byte(body), 0o600); err != nil {
			_ = lab.Stop()
			return nil, err
		}
	}
	return map[string]string{
		"HA_BARE_METAL_SSH_PRIVATE_KEY": filepath.Join(hd, "client_key"),
		"HA_BARE_METAL_KNOWN_HOSTS":     filepath.Join(hd, "known_hosts"),
		"HA_TEST_HOSTS_INVENTORY":       filepath.Join(hd, filepath.Base(invPath)),
	}, nil
}

// StopHosts removes the namespace hosts StartHosts made under dir: their
// lab is stale once its directory is gone.
func StopHosts(dir string) error {
	if _, err := os.Stat(hostsDir(dir)); os.IsNotExist(err) {
		return nil
	}
	if err := os.RemoveAll(hostsDir(dir)); err != nil {
		return err
	}
	return nshosts.CleanStale()
}

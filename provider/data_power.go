package provider

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/parsecache"
	"github.com/ha-blueprints/terraform-provider-ha/internal/pdu"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerstatus"
)

// powerSettings are the NUT and SNMP connection defaults of the provider.
func (d *providerData) powerSettings() powerstatus.Settings {
	return powerstatus.Settings{
		NUTTimeout:    d.cfg.NUT.Timeout,
		NUTUsername:   d.cfg.NUT.Username,
		NUTPassword:   d.cfg.NUT.Password,
		SNMPTimeout:   d.cfg.SNMP.Timeout,
		SNMPCommunity: d.cfg.SNMP.Community,
		SNMPRetries:   d.cfg.SNMP.Retries,
	}
}

// pduClient returns an SNMP client for one PDU; community "" means the
// provider's default.
func (d *providerData) pduClient(addr, community string) *pdu.Client {
	if community == "" {
		community = d.cfg.SNMP.Community
	}
	return &pdu.Client{Addr: addr, Community: community, Timeout: d.cfg.SNMP.Timeout, Retries: d.cfg.SNMP.Retries}
}

// loadInventory parses and validates an inventory file. It returns the
// inventory (nil on errors) and the diagnostics rendered as FILE:LINE:COL
// text, errors and warnings apart, for attribute diagnostics. The result is
// parsed once per provider process and file content (every allocation and
// data source of a plan reading the same inventory shares it) and must not
// be modified.
func loadInventory(path string, vars map[string]string) (inv *inventory.Inventory, errs, warnings []string) {
	res := inventoryCache.Get(inventoryKey(path, vars), func(r *parsecache.Reader) loadedInventory {
		return parseInventory(r, path, vars)
	})
	// Clipped, so that a caller's append never writes into the shared arrays.
	return res.inv, slices.Clip(res.errs), slices.Clip(res.warnings)
}

type loadedInventory struct {
	inv            *inventory.Inventory
	errs, warnings []string
}

var inventoryCache = parsecache.New[loadedInventory]()

func inventoryKey(path string, vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(path)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, vars[k])
	}
	return b.String()
}

func parseInventory(r *parsecache.Reader, path string, vars map[string]string) (out loadedInventory) {
	p := lang.NewParser()
	var inv *inventory.Inventory
	var diags hcl.Diagnostics
	if src, err := r.ReadFile(path); err != nil {
		diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unable to read inventory", Detail: err.Error()}}
	} else {
		inv, diags = inventory.Parse(p, path, src, inventory.Options{Vars: vars})
	}
	for _, dg := range diags {
		text := strings.TrimRight(lang.FormatDiagnostic(p.Files(), dg), "\n")
		if dg.Severity == hcl.DiagError {
			out.errs = append(out.errs, text)
		} else {
			out.warnings = append(out.warnings, text)
		}
	}
	if !diags.HasErrors() {
		out.inv = inv
	}
	return out
}

// claims remembers which allocation holds which host within one provider
// process (one terraform plan or apply, which covers one state). Every
// ha_host_allocation registers its members when it is planned, read or
// applied; a host claimed by two allocations is an error. Allocations in
// different states never meet here: that is the documented multi-state limit.
type claims struct {
	mu     sync.Mutex
	byHost map[string]string // host → allocation name
}

var (
	claimsMu  sync.Mutex
	claimsFor = map[*providerData]*claims{}
)

func (d *providerData) allocationClaims() *claims {
	claimsMu.Lock()
	defer claimsMu.Unlock()
	c := claimsFor[d]
	if c == nil {
		c = &claims{byHost: map[string]string{}}
		claimsFor[d] = c
	}
	return c
}

// others returns the hosts held by allocations other than name.
func (c *claims) others(name string) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]string{}
	for h, owner := range c.byHost {
		if owner != name {
			out[h] = owner
		}
	}
	return out
}

// claim records name's members, replacing what name held before, and
// reports hosts that another allocation already holds.
func (c *claims) claim(name string, members []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var clash []string
	for _, m := range members {
		if owner, ok := c.byHost[m]; ok && owner != name {
			clash = append(clash, fmt.Sprintf("%s (held by %q)", m, owner))
		}
	}
	if len(clash) > 0 {
		sort.Strings(clash)
		return fmt.Errorf("hosts already allocated in this state: %s", strings.Join(clash, ", "))
	}
	for h, owner := range c.byHost {
		if owner == name {
			delete(c.byHost, h)
		}
	}
	for _, m := range members {
		c.byHost[m] = name
	}
	return nil
}

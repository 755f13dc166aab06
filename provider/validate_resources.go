package provider

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

// Plan-time checks of values the cloud or the daemons would refuse at
// apply, after other objects were made. Each names the attribute path.
// Unknown and null values are left to apply (they may come from other
// resources).

// configCheck is a resource.ConfigValidator made of a function.
type configCheck struct {
	desc string
	fn   func(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse)
}

func (c configCheck) Description(context.Context) string         { return c.desc }
func (c configCheck) MarkdownDescription(context.Context) string { return c.desc }
func (c configCheck) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	c.fn(ctx, req, resp)
}

// knownString reads a string attribute; ok is false when null or unknown.
func knownString(ctx context.Context, req resource.ValidateConfigRequest, p path.Path) (string, bool) {
	var v types.String
	if d := req.Config.GetAttribute(ctx, p, &v); d.HasError() || v.IsNull() || v.IsUnknown() {
		return "", false
	}
	return v.ValueString(), true
}

// knownInt reads a number attribute; ok is false when null or unknown.
func knownInt(ctx context.Context, req resource.ValidateConfigRequest, p path.Path) (int64, bool) {
	var v types.Int64
	if d := req.Config.GetAttribute(ctx, p, &v); d.HasError() || v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	return v.ValueInt64(), true
}

// listLen is the length of a list attribute; ok is false when null or unknown.
func listLen(ctx context.Context, req resource.ValidateConfigRequest, p path.Path) (int, bool) {
	var v types.List
	if d := req.Config.GetAttribute(ctx, p, &v); d.HasError() || v.IsNull() || v.IsUnknown() {
		return 0, false
	}
	return len(v.Elements()), true
}

func (r *backupPlanResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{configCheck{
		desc: "retention of at least a day; the copy goes to another location",
		fn: func(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
			if d, ok := knownInt(ctx, req, path.Root("retention_days")); ok && d < 1 {
				resp.Diagnostics.AddAttributeError(path.Root("retention_days"), "Invalid retention",
					fmt.Sprintf("retention_days is %d; backups are kept at least 1 day.", d))
			}
			loc, ok1 := knownString(ctx, req, path.Root("location"))
			to, ok2 := knownString(ctx, req, path.Root("copy_to_location"))
			if ok1 && ok2 && loc == to {
				resp.Diagnostics.AddAttributeError(path.Root("copy_to_location"), "Copy to the same location",
					fmt.Sprintf("copy_to_location is %q, the plan's own location: a cross-region copy must go to another location, or it does not survive the loss of this one.", to))
			}
		},
	}}
}

func (r *dnsFailoverResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{configCheck{
		desc: "the name is inside the zone; target addresses are IP addresses",
		// It reads the raw value: framework path lookups per address cost
		// more than the rest of the resource's validation.
		fn: func(_ context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
			attrs := tfmodel.Attrs(req.Config.Raw)
			fqdn, ok1 := rawKnownString(attrs["fqdn"])
			zone, ok2 := rawKnownString(attrs["zone"])
			if ok1 && ok2 {
				f, z := strings.TrimSuffix(strings.ToLower(fqdn), "."), strings.TrimSuffix(strings.ToLower(zone), ".")
				if f != z && !strings.HasSuffix(f, "."+z) {
					resp.Diagnostics.AddAttributeError(path.Root("fqdn"), "Name outside its zone",
						fmt.Sprintf("fqdn %q is not inside zone %q; the DNS server would refuse the record.", fqdn, zone))
				}
			}
			for i, target := range tfmodel.Elements(attrs["target"]) {
				ap := path.Root("target").AtListIndex(i).AtName("addresses")
				for j, addr := range tfmodel.Elements(tfmodel.Attrs(target)["addresses"]) {
					a, ok := rawKnownString(addr)
					if !ok {
						continue
					}
					if _, err := netip.ParseAddr(a); err != nil {
						resp.Diagnostics.AddAttributeError(ap.AtListIndex(j), "Invalid address",
							fmt.Sprintf("%q is not an IP address.", a))
					}
				}
			}
		},
	}}
}

func (r *virtualIPResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{configCheck{
		desc: "the address is inside the network; at least two holders; VRRP ranges",
		fn: func(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
			var prefix netip.Prefix
			havePrefix := false
			if n, ok := knownString(ctx, req, path.Root("network")); ok {
				p, err := netip.ParsePrefix(n)
				if err != nil {
					resp.Diagnostics.AddAttributeError(path.Root("network"), "Invalid network",
						fmt.Sprintf("%q is not a network in CIDR form (10.20.0.0/24): %v", n, err))
				} else {
					prefix, havePrefix = p.Masked(), true
				}
			}
			if v, ok := knownString(ctx, req, path.Root("vip")); ok {
				a, err := netip.ParseAddr(v)
				switch {
				case err != nil || !a.Is4():
					resp.Diagnostics.AddAttributeError(path.Root("vip"), "Invalid virtual address",
						fmt.Sprintf("%q is not an IPv4 address.", v))
				case havePrefix && !prefix.Contains(a):
					resp.Diagnostics.AddAttributeError(path.Root("vip"), "Virtual address outside the network",
						fmt.Sprintf("vip %s is outside the site network %s: the hosts could not answer for it.", v, prefix))
				}
			}
			if n, ok := listLen(ctx, req, path.Root("hosts")); ok && n < 2 {
				resp.Diagnostics.AddAttributeError(path.Root("hosts"), "Too few hosts",
					fmt.Sprintf("%d host given; a virtual address needs at least two holders to move between.", n))
			}
			if id, ok := knownInt(ctx, req, path.Root("virtual_router_id")); ok && (id < 1 || id > 255) {
				resp.Diagnostics.AddAttributeError(path.Root("virtual_router_id"), "Invalid virtual router id",
					fmt.Sprintf("virtual_router_id is %d; VRRP allows 1 to 255.", id))
			}
			if s, ok := knownInt(ctx, req, path.Root("advert_interval")); ok && (s < 1 || s > 255) {
				resp.Diagnostics.AddAttributeError(path.Root("advert_interval"), "Invalid advert interval",
					fmt.Sprintf("advert_interval is %d seconds; VRRP allows 1 to 255.", s))
			}
		},
	}}
}

func (r *pduOutletResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{configCheck{
		desc: "outlets are numbered from 1",
		fn: func(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
			if n, ok := knownInt(ctx, req, path.Root("outlet")); ok && n < 1 {
				resp.Diagnostics.AddAttributeError(path.Root("outlet"), "Invalid outlet",
					fmt.Sprintf("outlet is %d; PDU outlets are numbered from 1.", n))
			}
		},
	}}
}

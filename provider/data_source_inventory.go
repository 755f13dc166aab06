package provider

import (
	"context"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var _ datasource.DataSource = &inventoryDataSource{}

func newInventoryDataSource() datasource.DataSource { return &inventoryDataSource{} }

type inventoryDataSource struct{}

func (d *inventoryDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_inventory"
}

func (d *inventoryDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
	}
	num := func(desc string) schema.Float64Attribute {
		return schema.Float64Attribute{Computed: true, MarkdownDescription: desc}
	}
	list := func(desc string) schema.ListAttribute {
		return schema.ListAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: desc}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads and validates a bare-metal inventory file (HCL, or JSON when the name ends in `.json`): " +
			"sites, racks, UPS units, feeds, PDUs and hosts. Validation errors (dangling references, outlets used twice " +
			"or beyond the PDU, PDU budgets, the A+B failover budget) fail the read with the file and line; " +
			"warnings (hosts on a single power domain) are reported and listed in `warnings`.",
		Attributes: map[string]schema.Attribute{
			"path":      schema.StringAttribute{Required: true, MarkdownDescription: "Path of the inventory file, relative to the working directory."},
			"variables": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Values for the inventory's `variable` blocks."},
			"sites":     list("Site names."),
			"racks":     list("Rack names."),
			"warnings":  list("Validation warnings as `FILE:LINE:COL: warning: …`."),
			"ups": schema.MapNestedAttribute{
				Computed: true, MarkdownDescription: "UPS units by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"site":           str("Site."),
					"capacity_va":    num("Apparent power capacity."),
					"capacity_watts": num("Real power capacity (`capacity_va` × 0.9 unless given)."),
					"nut":            str("NUT address `ups@host:port`, or empty."),
					"load_watts":     num("Load in normal operation, from the hosts' `watts`."),
				}},
			},
			"pdus": schema.MapNestedAttribute{
				Computed: true, MarkdownDescription: "PDUs by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"site":         str("Site."),
					"rack":         str("Rack."),
					"feed":         str("Feed."),
					"ups":          str("UPS behind the feed."),
					"max_amps":     num("Rated current."),
					"voltage":      num("Voltage."),
					"outlets":      schema.Int64Attribute{Computed: true, MarkdownDescription: "Number of outlets."},
					"snmp":         str("SNMP address, or empty."),
					"budget_watts": num("80% of voltage × max amps."),
					"load_watts":   num("Load in normal operation."),
				}},
			},
			"hosts": schema.MapNestedAttribute{
				Computed: true, MarkdownDescription: "Hosts by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"site":         str("Site."),
					"rack":         str("Rack."),
					"address":      str("Address."),
					"cpus":         schema.Int64Attribute{Computed: true, MarkdownDescription: "CPUs."},
					"memory_gib":   num("Memory in GiB."),
					"watts":        num("Power draw."),
					"tags":         list("Tags."),
					"ups":          list("UPS units behind the host's PSUs."),
					"pdus":         list("PDUs the host's PSUs plug into."),
					"outlets":      list("PSU outlets as `PDU/OUTLET`."),
					"ssh_host_key": str("Pinned SSH host key (`ssh-ed25519 AAAA...`), or empty."),
					"downed_by": list("Single power devices whose loss alone takes every PSU of the host down, as `pdu:NAME`, " +
						"`feed:NAME`, `ups:NAME` (empty for a host corded on two feeds); what `ha_database.hosts[*].domains` takes."),
				}},
			},
		},
	}
}

func (d *inventoryDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m inventoryModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	vars := map[string]string{}
	resp.Diagnostics.Append(m.Variables.ElementsAs(ctx, &vars, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	inv, errs, warnings := loadInventory(m.Path.ValueString(), vars)
	for _, w := range warnings {
		resp.Diagnostics.AddAttributeWarning(path.Root("path"), "Inventory warning", w)
	}
	for _, e := range errs {
		resp.Diagnostics.AddAttributeError(path.Root("path"), "Invalid inventory", e)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	m.Warnings = stringList(warnings)
	var sites []string
	for _, s := range inv.Sites {
		sites = append(sites, s.Name)
	}
	m.Sites = stringList(sites)
	m.Racks = stringList(inv.RackNames())
	pduLoad, upsLoad := inventory.Loads(inv, nil)
	m.UPS = map[string]inventoryUPSModel{}
	for name, u := range inv.UPS {
		m.UPS[name] = inventoryUPSModel{
			Site: types.StringValue(u.Site), CapacityVA: types.Float64Value(u.CapacityVA),
			CapacityWatts: types.Float64Value(u.CapacityWatts), NUT: types.StringValue(u.NUT),
			LoadWatts: types.Float64Value(upsLoad[name]),
		}
	}
	m.PDUs = map[string]inventoryPDUModel{}
	for name, p := range inv.PDUs {
		m.PDUs[name] = inventoryPDUModel{
			Site: types.StringValue(p.Site), Rack: types.StringValue(p.Rack), Feed: types.StringValue(p.Feed),
			UPS: types.StringValue(p.UPS), MaxAmps: types.Float64Value(p.MaxAmps), Voltage: types.Float64Value(p.Voltage),
			Outlets: types.Int64Value(int64(p.Outlets)), SNMP: types.StringValue(p.SNMP),
			BudgetWatts: types.Float64Value(p.Budget()), LoadWatts: types.Float64Value(pduLoad[name]),
		}
	}
	m.Hosts = map[string]inventoryHostModel{}
	for name, h := range inv.Hosts {
		var outlets []string
		for _, psu := range h.PSUs {
			outlets = append(outlets, psu.PDU+"/"+strconv.Itoa(psu.Outlet))
		}
		m.Hosts[name] = inventoryHostModel{
			Site: types.StringValue(h.Site), Rack: types.StringValue(h.Rack), Address: types.StringValue(h.Address),
			CPUs: types.Int64Value(int64(h.CPUs)), MemoryGiB: types.Float64Value(float64(h.Memory) / (1 << 30)),
			Watts: types.Float64Value(h.Watts), Tags: stringList(h.Tags), UPS: stringList(inv.UPSes(h)),
			PDUs: stringList(inv.PDUsOf(h)), Outlets: stringList(outlets), HostKey: types.StringValue(h.SSHHostKey),
			DownedBy: stringList(inv.DownedBy(h)),
		}
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}

// stringList turns a Go slice into a list value (empty, never null).
func stringList(s []string) types.List {
	vals := make([]attr.Value, 0, len(s))
	for _, v := range s {
		vals = append(vals, types.StringValue(v))
	}
	l, _ := types.ListValue(types.StringType, vals)
	return l
}

type inventoryModel struct {
	Path      types.String                  `tfsdk:"path"`
	Variables types.Map                     `tfsdk:"variables"`
	Sites     types.List                    `tfsdk:"sites"`
	Racks     types.List                    `tfsdk:"racks"`
	Warnings  types.List                    `tfsdk:"warnings"`
	UPS       map[string]inventoryUPSModel  `tfsdk:"ups"`
	PDUs      map[string]inventoryPDUModel  `tfsdk:"pdus"`
	Hosts     map[string]inventoryHostModel `tfsdk:"hosts"`
}

type inventoryUPSModel struct {
	Site          types.String  `tfsdk:"site"`
	CapacityVA    types.Float64 `tfsdk:"capacity_va"`
	CapacityWatts types.Float64 `tfsdk:"capacity_watts"`
	NUT           types.String  `tfsdk:"nut"`
	LoadWatts     types.Float64 `tfsdk:"load_watts"`
}

type inventoryPDUModel struct {
	Site        types.String  `tfsdk:"site"`
	Rack        types.String  `tfsdk:"rack"`
	Feed        types.String  `tfsdk:"feed"`
	UPS         types.String  `tfsdk:"ups"`
	MaxAmps     types.Float64 `tfsdk:"max_amps"`
	Voltage     types.Float64 `tfsdk:"voltage"`
	Outlets     types.Int64   `tfsdk:"outlets"`
	SNMP        types.String  `tfsdk:"snmp"`
	BudgetWatts types.Float64 `tfsdk:"budget_watts"`
	LoadWatts   types.Float64 `tfsdk:"load_watts"`
}

type inventoryHostModel struct {
	Site      types.String  `tfsdk:"site"`
	Rack      types.String  `tfsdk:"rack"`
	Address   types.String  `tfsdk:"address"`
	CPUs      types.Int64   `tfsdk:"cpus"`
	MemoryGiB types.Float64 `tfsdk:"memory_gib"`
	Watts     types.Float64 `tfsdk:"watts"`
	Tags      types.List    `tfsdk:"tags"`
	UPS       types.List    `tfsdk:"ups"`
	PDUs      types.List    `tfsdk:"pdus"`
	Outlets   types.List    `tfsdk:"outlets"`
	HostKey   types.String  `tfsdk:"ssh_host_key"`
	DownedBy  types.List    `tfsdk:"downed_by"`
}

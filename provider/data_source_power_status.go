package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints/inventory"
	"github.com/ha-blueprints/terraform-provider-ha/blueprints/lang"
	"github.com/ha-blueprints/terraform-provider-ha/internal/powerstatus"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ datasource.DataSource              = &powerStatusDataSource{}
	_ datasource.DataSourceWithConfigure = &powerStatusDataSource{}
)

func newPowerStatusDataSource() datasource.DataSource { return &powerStatusDataSource{} }

type powerStatusDataSource struct {
	data *providerData
}

func (d *powerStatusDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_power_status"
}

func (d *powerStatusDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Live power status: UPS units over the NUT network protocol (status flags such as `OL`, `OB`, `LB`, " +
			"battery charge, runtime and load) and APC switched rack PDUs over SNMP (load per phase or bank, outlet states). " +
			"Devices come from an inventory (every UPS with `nut` and PDU with `snmp`) and/or the `ups` and `pdus` maps. " +
			"A device that does not answer within the timeout yields a warning and status `unknown`; the read fails only " +
			"with `require_reachable = true`. Connection defaults come from the provider's `nut` and `snmp` blocks.",
		Attributes: map[string]schema.Attribute{
			"inventory": schema.StringAttribute{Optional: true, MarkdownDescription: "Path of an inventory file whose monitored UPS units and PDUs to read."},
			"variables": schema.MapAttribute{Optional: true, ElementType: types.StringType, MarkdownDescription: "Values for the inventory's `variable` blocks."},
			"ups": schema.MapAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "More UPS units by name: NUT address `ups@host[:port]`."},
			"pdus": schema.MapNestedAttribute{
				Optional: true, MarkdownDescription: "More PDUs by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address":   schema.StringAttribute{Required: true, MarkdownDescription: "SNMP agent `host[:port]`."},
					"community": schema.StringAttribute{Optional: true, Sensitive: true, MarkdownDescription: "SNMP community; the provider's `snmp.community` when unset."},
				}},
			},
			"timeout": schema.StringAttribute{Optional: true, MarkdownDescription: "Deadline for the whole read, a duration such as `10s` (default `30s`); each request also has the provider's per-request timeout."},
			"require_reachable": schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Fail the read when any device does not answer (default `false`: a warning and `unknown`)."},
			"ups_status": schema.MapNestedAttribute{
				Computed: true, MarkdownDescription: "UPS status by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address":     schema.StringAttribute{Computed: true, MarkdownDescription: "NUT address read."},
					"reachable":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether upsd answered for this UPS."},
					"status":      schema.StringAttribute{Computed: true, MarkdownDescription: "`ups.status` as reported (`OL`, `OB LB`, …), or `unknown`."},
					"on_line":     schema.BoolAttribute{Computed: true, MarkdownDescription: "Status has `OL`."},
					"on_battery":  schema.BoolAttribute{Computed: true, MarkdownDescription: "Status has `OB`."},
					"low_battery": schema.BoolAttribute{Computed: true, MarkdownDescription: "Status has `LB`."},
					"charge":      schema.Float64Attribute{Computed: true, MarkdownDescription: "`battery.charge`, percent (null when not reported)."},
					"runtime":     schema.Float64Attribute{Computed: true, MarkdownDescription: "`battery.runtime`, seconds (null when not reported)."},
					"load":        schema.Float64Attribute{Computed: true, MarkdownDescription: "`ups.load`, percent (null when not reported)."},
					"error":       schema.StringAttribute{Computed: true, MarkdownDescription: "Why the UPS could not be read, or empty."},
				}},
			},
			"pdu_status": schema.MapNestedAttribute{
				Computed: true, MarkdownDescription: "PDU status by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"address":     schema.StringAttribute{Computed: true, MarkdownDescription: "SNMP address read."},
					"reachable":   schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the agent answered."},
					"status":      schema.StringAttribute{Computed: true, MarkdownDescription: "`ok`, `overload` (some phase or bank near or over its limit) or `unknown`."},
					"name":        schema.StringAttribute{Computed: true, MarkdownDescription: "rPDUIdentName."},
					"model":       schema.StringAttribute{Computed: true, MarkdownDescription: "rPDUIdentModelNumber."},
					"rating_amps": schema.Int64Attribute{Computed: true, MarkdownDescription: "rPDUIdentDeviceRating."},
					"loads": schema.ListNestedAttribute{
						Computed: true, MarkdownDescription: "rPDULoadStatusTable rows: one per phase or bank.",
						NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
							"phase": schema.Int64Attribute{Computed: true, MarkdownDescription: "Phase number."},
							"bank":  schema.Int64Attribute{Computed: true, MarkdownDescription: "Bank number (0 for a phase total)."},
							"amps":  schema.Float64Attribute{Computed: true, MarkdownDescription: "Current in amps."},
							"state": schema.StringAttribute{Computed: true, MarkdownDescription: "`normal`, `low`, `near_overload` or `overload`."},
						}},
					},
					"outlets": schema.MapAttribute{Computed: true, ElementType: types.StringType,
						MarkdownDescription: "Outlet state (`on`, `off`, `unknown`) by outlet number."},
					"error": schema.StringAttribute{Computed: true, MarkdownDescription: "Why the PDU could not be read, or empty."},
				}},
			},
		},
	}
}

func (d *powerStatusDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *powerStatusDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m powerStatusModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.AddError("Unable to read power status", errNoProvider.Error())
		return
	}
	timeout := 30 * time.Second
	if !m.Timeout.IsNull() {
		t, err := lang.ParseDuration(m.Timeout.ValueString())
		if err != nil || t == 0 {
			resp.Diagnostics.AddAttributeError(path.Root("timeout"), "Invalid timeout", fmt.Sprintf("Expected a duration such as \"10s\": %v", err))
			return
		}
		timeout = t
	}
	var upsT []powerstatus.UPSTarget
	var pduT []powerstatus.PDUTarget
	if !m.Inventory.IsNull() {
		vars := map[string]string{}
		resp.Diagnostics.Append(m.Variables.ElementsAs(ctx, &vars, false)...)
		inv, errs, warnings := loadInventory(m.Inventory.ValueString(), vars)
		for _, w := range warnings {
			resp.Diagnostics.AddAttributeWarning(path.Root("inventory"), "Inventory warning", w)
		}
		for _, e := range errs {
			resp.Diagnostics.AddAttributeError(path.Root("inventory"), "Invalid inventory", e)
		}
		if resp.Diagnostics.HasError() {
			return
		}
		upsT, pduT = powerstatus.Targets(inv)
	}
	extraUPS := map[string]string{}
	resp.Diagnostics.Append(m.UPS.ElementsAs(ctx, &extraUPS, false)...)
	for _, name := range sortedNames(extraUPS) {
		if _, _, _, err := inventory.SplitNUT(extraUPS[name]); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("ups").AtMapKey(name), "Invalid NUT address", err.Error())
		}
		upsT = append(upsT, powerstatus.UPSTarget{Name: name, Address: extraUPS[name]})
	}
	for _, name := range sortedNames(m.PDUs) {
		p := m.PDUs[name]
		pduT = append(pduT, powerstatus.PDUTarget{Name: name, Address: p.Address.ValueString(), Community: p.Community.ValueString()})
	}
	if resp.Diagnostics.HasError() {
		return
	}

	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var upsR []powerstatus.UPSResult
	var pduR []powerstatus.PDUResult
	done := make(chan struct{})
	go func() {
		defer close(done)
		pduR = powerstatus.ReadPDUs(rctx, pduT, d.data.powerSettings())
	}()
	upsR = powerstatus.ReadUPS(rctx, upsT, d.data.powerSettings())
	<-done

	unreachable := func(p path.Path, what string, err error) {
		if m.RequireReachable.ValueBool() {
			resp.Diagnostics.AddAttributeError(p, "Unable to read power status", fmt.Sprintf("%s: %v", what, err))
		} else {
			resp.Diagnostics.AddAttributeWarning(p, "Power status unknown", fmt.Sprintf("%s did not answer; its status is \"unknown\": %v", what, err))
		}
	}
	m.UPSStatus = map[string]upsStatusModel{}
	for _, r := range upsR {
		s := upsStatusModel{Address: types.StringValue(r.Address), Status: types.StringValue("unknown"),
			Charge: types.Float64Null(), Runtime: types.Float64Null(), Load: types.Float64Null(), Error: types.StringValue("")}
		if r.Err != nil {
			unreachable(path.Root("ups_status").AtMapKey(r.Name), fmt.Sprintf("UPS %q (%s)", r.Name, r.Address), r.Err)
			s.Error = types.StringValue(r.Err.Error())
		} else {
			st := r.Status
			s.Reachable = true
			s.Status = types.StringValue(strings.Join(st.Flags, " "))
			s.OnLine, s.OnBattery, s.LowBattery = st.OnLine, st.OnBattery, st.LowBattery
			s.Charge, s.Runtime, s.Load = optFloat(st.Charge), optFloat(st.Runtime), optFloat(st.Load)
		}
		m.UPSStatus[r.Name] = s
	}
	m.PDUStatus = map[string]pduStatusModel{}
	for _, r := range pduR {
		s := pduStatusModel{Address: types.StringValue(r.Address), Status: types.StringValue("unknown"),
			Name: types.StringValue(""), Model: types.StringValue(""), Loads: []pduLoadModel{}, Outlets: map[string]string{},
			Error: types.StringValue("")}
		if r.Err != nil {
			unreachable(path.Root("pdu_status").AtMapKey(r.Name), fmt.Sprintf("PDU %q (%s)", r.Name, r.Address), r.Err)
			s.Error = types.StringValue(r.Err.Error())
		} else {
			st := r.Status
			s.Reachable = true
			s.Status = types.StringValue("ok")
			s.Name, s.Model, s.RatingAmps = types.StringValue(st.Name), types.StringValue(st.Model), int64(st.RatingAmps)
			for _, l := range st.Loads {
				s.Loads = append(s.Loads, pduLoadModel{Phase: int64(l.Phase), Bank: int64(l.Bank), Amps: l.Amps, State: l.State})
				if l.State == "near_overload" || l.State == "overload" {
					s.Status = types.StringValue("overload")
				}
			}
			for _, o := range st.Outlets {
				s.Outlets[fmt.Sprint(o.Number)] = o.State
			}
		}
		m.PDUStatus[r.Name] = s
	}
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &m)...)
}

func optFloat(v float64) types.Float64 {
	if v < 0 {
		return types.Float64Null()
	}
	return types.Float64Value(v)
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

type powerStatusModel struct {
	Inventory        types.String              `tfsdk:"inventory"`
	Variables        types.Map                 `tfsdk:"variables"`
	UPS              types.Map                 `tfsdk:"ups"`
	PDUs             map[string]pduTargetModel `tfsdk:"pdus"`
	Timeout          types.String              `tfsdk:"timeout"`
	RequireReachable types.Bool                `tfsdk:"require_reachable"`
	UPSStatus        map[string]upsStatusModel `tfsdk:"ups_status"`
	PDUStatus        map[string]pduStatusModel `tfsdk:"pdu_status"`
}

type pduTargetModel struct {
	Address   types.String `tfsdk:"address"`
	Community types.String `tfsdk:"community"`
}

type upsStatusModel struct {
	Address    types.String  `tfsdk:"address"`
	Reachable  bool          `tfsdk:"reachable"`
	Status     types.String  `tfsdk:"status"`
	OnLine     bool          `tfsdk:"on_line"`
	OnBattery  bool          `tfsdk:"on_battery"`
	LowBattery bool          `tfsdk:"low_battery"`
	Charge     types.Float64 `tfsdk:"charge"`
	Runtime    types.Float64 `tfsdk:"runtime"`
	Load       types.Float64 `tfsdk:"load"`
	Error      types.String  `tfsdk:"error"`
}

type pduStatusModel struct {
	Address    types.String      `tfsdk:"address"`
	Reachable  bool              `tfsdk:"reachable"`
	Status     types.String      `tfsdk:"status"`
	Name       types.String      `tfsdk:"name"`
	Model      types.String      `tfsdk:"model"`
	RatingAmps int64             `tfsdk:"rating_amps"`
	Loads      []pduLoadModel    `tfsdk:"loads"`
	Outlets    map[string]string `tfsdk:"outlets"`
	Error      types.String      `tfsdk:"error"`
}

type pduLoadModel struct {
	Phase int64   `tfsdk:"phase"`
	Bank  int64   `tfsdk:"bank"`
	Amps  float64 `tfsdk:"amps"`
	State string  `tfsdk:"state"`
}

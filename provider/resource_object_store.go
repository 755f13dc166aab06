package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/objectstore"
	"github.com/ha-blueprints/terraform-provider-ha/internal/tfmodel"
)

var (
	_ resource.Resource                   = &objectStoreResource{}
	_ resource.ResourceWithConfigure      = &objectStoreResource{}
	_ resource.ResourceWithImportState    = &objectStoreResource{}
	_ resource.ResourceWithValidateConfig = &objectStoreResource{}
)

// NewObjectStoreResource is the ha_object_store resource: one bucket of the
// object_store component, optionally replicating to another location.
func NewObjectStoreResource() resource.Resource { return &objectStoreResource{} }

type objectStoreResource struct {
	data *providerData
}

func (r *objectStoreResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_object_store"
}

func (r *objectStoreResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A bucket of the `object_store` component: versioning, default encryption, public access blocked, " +
			"and replication to the bucket in another location (`copy_to_bucket_arn`), with S3 Replication Time Control " +
			"(the 15-minute bound the blueprint's RPO counts). Without `replication_role_arn` the IAM role S3 assumes " +
			"to copy is created here and deleted with the bucket.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, MarkdownDescription: "The bucket name.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cloud": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("aws"),
				MarkdownDescription: "Cloud of the bucket (`aws`). Changing it replaces the bucket.",
				PlanModifiers:       replace,
			},
			"location": schema.StringAttribute{
				Required: true, MarkdownDescription: "Region of the bucket. Changing it replaces the bucket.",
				PlanModifiers: replace,
			},
			"name": schema.StringAttribute{
				Required: true, MarkdownDescription: "Bucket name (globally unique). Changing it replaces the bucket.",
				PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.RegexMatches(regexpMust(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`),
					"3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit")},
			},
			"component": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Component key (`east/uploads/object_store`), written to the tag `ha:component`.",
			},
			"blueprint": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Blueprint name, written to the tag `ha:blueprint`.",
			},
			"tags": schema.MapAttribute{
				ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Additional tags on the bucket. Keys starting with `ha:` are reserved.",
			},
			"versioning": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Keep every version of every object (default `true`; replication needs it). Turning it off suspends it.",
			},
			"encryption": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("AES256"),
				MarkdownDescription: "Default encryption: `AES256` (S3 managed keys, default) or `aws:kms`.",
				Validators:          []validator.String{stringvalidator.OneOf("AES256", "aws:kms")},
			},
			"block_public_access": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				MarkdownDescription: "Block every form of public access (default `true`).",
			},
			"copy_to_bucket_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "ARN of the bucket to replicate into (its `arn`); it needs versioning.",
				Validators: []validator.String{stringvalidator.RegexMatches(regexpMust(`^arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`), "an S3 bucket ARN")},
			},
			"copy_to_location": schema.StringAttribute{
				Optional: true, MarkdownDescription: "Region of `copy_to_bucket_arn`.",
			},
			"replication_role_arn": schema.StringAttribute{
				Optional: true, MarkdownDescription: "IAM role S3 assumes to replicate; created (and deleted with the bucket) when unset.",
			},
			"force_destroy": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				MarkdownDescription: "Delete every object version with the bucket on destroy (default `false`: destroy fails on a non-empty bucket).",
			},
			"arn": schema.StringAttribute{
				Computed: true, MarkdownDescription: "Bucket ARN.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"replication_status": schema.StringAttribute{
				Computed: true, MarkdownDescription: "State of the replication rule (`Enabled`), `\"\"` without a copy.",
			},
		},
	}
}

func (r *objectStoreResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	d, diags := providerDataFrom(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	r.data = d
}

func (r *objectStoreResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m objectStoreModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Config, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if m.CopyToBucketARN.IsUnknown() || m.CopyToLocation.IsUnknown() {
		return
	}
	if m.CopyToBucketARN.IsNull() != m.CopyToLocation.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("copy_to_location"), "Incomplete copy",
			"copy_to_bucket_arn and copy_to_location are set together: the bucket to replicate into and its region.")
	}
	if !m.CopyToBucketARN.IsNull() && !m.Versioning.IsNull() && !m.Versioning.IsUnknown() && !m.Versioning.ValueBool() {
		resp.Diagnostics.AddAttributeError(path.Root("versioning"), "Copy without versioning", "Replication needs versioning = true.")
	}
}

func (r *objectStoreResource) backend(ctx context.Context, cloud, location string) (objectstore.Backend, error) {
	return objectstore.Open(ctx, backend.Cloud(cloud), r.data.backends, location)
}

func (r *objectStoreResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan objectStoreModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	label := componentLabel(plan.Component, spec.Name)
	b, err := r.backend(ctx, plan.Cloud.ValueString(), plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to create object store", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, nil)
	if err != nil {
		addAWSError(&resp.Diagnostics, "create object store", label, err)
		// The bucket may exist without all its settings: keep it in state
		// so the next apply converges it (or destroy removes it).
		if st2, rerr := b.Read(ctx, spec.Name, spec.Location, &objectstore.Status{Spec: spec}); rerr == nil {
			plan.fromStatus(st2)
			resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
		}
		return
	}
	plan.fromStatus(st)
	r.warnCopy(&plan, &resp.Diagnostics)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

// warnCopy says, against an endpoint override only, that objects are not
// seen arriving in the copy: the replication rule is set but not exercised.
func (r *objectStoreResource) warnCopy(m *objectStoreModel, diags *diag.Diagnostics) {
	if r.data.awsCustomEndpoint() && !m.CopyToBucketARN.IsNull() {
		diags.AddWarning("Object copies not verified",
			fmt.Sprintf("Bucket %s replicates to %s, but this AWS endpoint does not copy objects or report their replication status: "+
				"the rule is set and read back, the copying itself is not exercised.", m.Name.ValueString(), m.CopyToBucketARN.ValueString()))
	}
}

func (r *objectStoreResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state objectStoreModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := r.backend(ctx, state.Cloud.ValueString(), state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to read object store", err.Error())
		return
	}
	st, err := b.Read(ctx, state.Name.ValueString(), state.Location.ValueString(), state.status())
	switch {
	case errors.Is(err, objectstore.ErrNotFound):
		resp.State.RemoveResource(ctx)
		return
	case keepUnreachable(&resp.Diagnostics, state.lost(), err):
		return
	case err != nil:
		addAWSError(&resp.Diagnostics, "read object store", componentLabel(state.Component, state.Name.ValueString()), err)
		return
	}
	state.fromStatus(st)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &state)...)
}

func (r *objectStoreResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state objectStoreModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.Plan, &plan)...)
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, &plan, &resp.Diagnostics)
	if !ok {
		return
	}
	b, err := r.backend(ctx, plan.Cloud.ValueString(), plan.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to update object store", err.Error())
		return
	}
	st, err := b.Apply(ctx, spec, state.status())
	if err != nil {
		addAWSError(&resp.Diagnostics, "update object store", componentLabel(plan.Component, spec.Name), err)
		return
	}
	plan.fromStatus(st)
	r.warnCopy(&plan, &resp.Diagnostics)
	resp.Diagnostics.Append(tfmodel.Set(ctx, &resp.State, &plan)...)
}

func (r *objectStoreResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state objectStoreModel
	resp.Diagnostics.Append(tfmodel.Get(ctx, req.State, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	b, err := r.backend(ctx, state.Cloud.ValueString(), state.Location.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Unable to delete object store", err.Error())
		return
	}
	err = b.Delete(ctx, state.status())
	if err != nil && !forgetUnreachable(&resp.Diagnostics, state.lost(), err) {
		addAWSError(&resp.Diagnostics, "delete object store", componentLabel(state.Component, state.Name.ValueString()), err)
	}
}

// ImportState takes a bucket name, or LOCATION/NAME.
func (r *objectStoreResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	location, name, ok := strings.Cut(req.ID, "/")
	if !ok {
		location, name = "", req.ID
	}
	if name == "" {
		resp.Diagnostics.AddError("Invalid import ID", "expected a bucket name or LOCATION/NAME (us-east-1/shop-east-uploads), got "+req.ID)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("location"), location)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cloud"), "aws")...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("force_destroy"), false)...)
}

func (r *objectStoreResource) spec(ctx context.Context, m *objectStoreModel, diags *diag.Diagnostics) (objectstore.Spec, bool) {
	tags, d := ownedTags(ctx, m.Tags, m.Blueprint, m.Component)
	diags.Append(d...)
	if diags.HasError() {
		return objectstore.Spec{}, false
	}
	s := objectstore.Spec{
		Meta:       backend.Meta{Name: m.Name.ValueString(), Location: m.Location.ValueString(), Tags: tags},
		Versioning: m.Versioning.ValueBool(), Encryption: m.Encryption.ValueString(), BlockPublicAccess: m.BlockPublicAccess.ValueBool(),
		ReplicationRole: m.ReplicationRoleARN.ValueString(), ForceDestroy: m.ForceDestroy.ValueBool(),
	}
	if arn := m.CopyToBucketARN.ValueString(); arn != "" {
		s.CopyTo = &objectstore.Copy{Bucket: strings.TrimPrefix(arn, "arn:aws:s3:::"), Location: m.CopyToLocation.ValueString()}
	}
	return s, true
}

// status is what the state says the backend last saw; a role was created
// here when the bucket copies and no role was given.
func (m *objectStoreModel) status() *objectstore.Status {
	s := objectstore.Spec{
		Meta: backend.Meta{Name: m.Name.ValueString(), Location: m.Location.ValueString()}, Versioning: m.Versioning.ValueBool(),
		Encryption: m.Encryption.ValueString(), BlockPublicAccess: m.BlockPublicAccess.ValueBool(),
		ReplicationRole: m.ReplicationRoleARN.ValueString(), ForceDestroy: m.ForceDestroy.ValueBool(),
	}
	if arn := m.CopyToBucketARN.ValueString(); arn != "" {
		s.CopyTo = &objectstore.Copy{Bucket: strings.TrimPrefix(arn, "arn:aws:s3:::"), Location: m.CopyToLocation.ValueString()}
	}
	return &objectstore.Status{Spec: s, ARN: m.ARN.ValueString(), RoleCreated: s.CopyTo != nil && s.ReplicationRole == ""}
}

func (m *objectStoreModel) fromStatus(st *objectstore.Status) {
	s := st.Spec
	m.ID, m.Name, m.Location, m.ARN = types.StringValue(s.Name), types.StringValue(s.Name), types.StringValue(s.Location), types.StringValue(st.ARN)
	m.Versioning, m.BlockPublicAccess = types.BoolValue(s.Versioning), types.BoolValue(s.BlockPublicAccess)
	m.Encryption = types.StringValue(s.Encryption)
	m.ReplicationStatus = types.StringValue(st.ReplicationStatus)
	if s.CopyTo != nil {
		m.CopyToBucketARN = types.StringValue(bucket.ARN(s.CopyTo.Bucket))
		m.CopyToLocation = types.StringValue(s.CopyTo.Location)
	} else {
		m.CopyToBucketARN, m.CopyToLocation = types.StringNull(), types.StringNull()
	}
	if s.ReplicationRole != "" {
		m.ReplicationRoleARN = types.StringValue(s.ReplicationRole)
	} else {
		m.ReplicationRoleARN = types.StringNull()
	}
	if m.Cloud.IsNull() || m.Cloud.IsUnknown() {
		m.Cloud = types.StringValue("aws")
	}
	if m.ForceDestroy.IsNull() || m.ForceDestroy.IsUnknown() {
		m.ForceDestroy = types.BoolValue(false)
	}
	readTags(awsbackend.Tags(s.Tags, s.Blueprint, s.Component), &m.Tags, &m.Blueprint, &m.Component)
}

func (m *objectStoreModel) lost() lostObject {
	return newLostObject("object store", m.Name, m.Component, m.Blueprint, m.Location)
}

type objectStoreModel struct {
	ID                 types.String `tfsdk:"id"`
	Cloud              types.String `tfsdk:"cloud"`
	Location           types.String `tfsdk:"location"`
	Name               types.String `tfsdk:"name"`
	Component          types.String `tfsdk:"component"`
	Blueprint          types.String `tfsdk:"blueprint"`
	Tags               types.Map    `tfsdk:"tags"`
	Versioning         types.Bool   `tfsdk:"versioning"`
	Encryption         types.String `tfsdk:"encryption"`
	BlockPublicAccess  types.Bool   `tfsdk:"block_public_access"`
	CopyToBucketARN    types.String `tfsdk:"copy_to_bucket_arn"`
	CopyToLocation     types.String `tfsdk:"copy_to_location"`
	ReplicationRoleARN types.String `tfsdk:"replication_role_arn"`
	ForceDestroy       types.Bool   `tfsdk:"force_destroy"`
	ARN                types.String `tfsdk:"arn"`
	ReplicationStatus  types.String `tfsdk:"replication_status"`
}

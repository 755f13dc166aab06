package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/ha-blueprints/terraform-provider-ha/blueprints"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/gcp/cloudsql"
	"github.com/ha-blueprints/terraform-provider-ha/internal/lazyregexp"
)

// Plan-time checks for what RDS would refuse at apply, after other objects
// of the same apply were already made.

// rdsIdentifierRE: a letter first, then letters, digits and single hyphens,
// not ending with a hyphen (RDS DB instance and snapshot identifiers).
var rdsIdentifierRE = regexp.MustCompile(`^[a-zA-Z](-?[a-zA-Z0-9])*$`)

// dbIdentifierValidators check a DB instance identifier (1 to 63 characters).
var dbIdentifierValidators = []validator.String{
	stringvalidator.LengthBetween(1, 63),
	stringvalidator.RegexMatches(rdsIdentifierRE, "must start with a letter and hold only letters, digits and single hyphens, not ending with a hyphen"),
}

// dbSnapshotIdentifierValidators check a DB snapshot identifier (1 to 255).
var dbSnapshotIdentifierValidators = []validator.String{
	stringvalidator.LengthBetween(1, 255),
	stringvalidator.RegexMatches(rdsIdentifierRE, "must start with a letter and hold only letters, digits and single hyphens, not ending with a hyphen"),
}

// dbInstanceClassValidators check the size for the resource's cloud: the
// shape db.<family>.<size> on AWS, a Cloud SQL tier on GCP.
var dbInstanceClassValidators = []validator.String{instanceClassValidator{}}

var rdsInstanceClassRE = lazyregexp.New(`^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)

type instanceClassValidator struct{}

func (instanceClassValidator) Description(context.Context) string {
	return "an RDS instance class such as db.t3.micro (aws), a Cloud SQL tier such as db-custom-2-7680 (gcp)"
}

func (v instanceClassValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v instanceClassValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	// The cloud decides the shape; an unknown or unreadable cloud is aws's
	// default unless it is known to be another.
	var cloud types.String
	if req.Config.Raw.IsKnown() && !req.Config.Raw.IsNull() {
		_ = req.Config.GetAttribute(ctx, path.Root("cloud"), &cloud)
	}
	if cloud.IsUnknown() {
		return
	}
	if summary, detail := dbClassProblem(cloudOf(cloud), req.ConfigValue.ValueString()); summary != "" {
		resp.Diagnostics.AddAttributeError(req.Path, summary, detail)
	}
}

// dbClassProblem is why class is not a database size of cloud ("" when it
// is one), naming the cloud it belongs to when it is another's.
func dbClassProblem(cloud backend.Cloud, class string) (summary, detail string) {
	switch cloud {
	case backend.AWS:
		if rdsInstanceClassRE.MatchString(class) {
			return "", ""
		}
		detail = fmt.Sprintf("%q must be an RDS instance class such as db.t3.micro (cloud aws)", class)
	case backend.GCP:
		if cloudsql.IsTier(class) {
			return "", ""
		}
		detail = fmt.Sprintf("%q must be a Cloud SQL tier such as db-custom-2-7680 (cloud gcp)", class)
	default:
		return "", ""
	}
	if p := blueprints.DatabaseClassProblem(string(cloud), class); strings.Contains(p, "but this database is on") {
		return "Instance class of another cloud", p
	}
	return "Invalid instance class", detail
}

// dbStorageValidators: General Purpose storage for postgres and mysql is
// 20 to 65536 GiB on RDS, 10 to 65536 GB on Cloud SQL.
var dbStorageValidators = []validator.Int64{storageValidator{}}

type storageValidator struct{}

func (storageValidator) Description(context.Context) string {
	return "20 to 65536 GiB (aws), 10 to 65536 GB (gcp)"
}

func (v storageValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (storageValidator) ValidateInt64(ctx context.Context, req validator.Int64Request, resp *validator.Int64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var cloud types.String
	if req.Config.Raw.IsKnown() && !req.Config.Raw.IsNull() {
		_ = req.Config.GetAttribute(ctx, path.Root("cloud"), &cloud)
	}
	if cloud.IsUnknown() {
		return
	}
	if p := dbStorageProblem(cloudOf(cloud), req.ConfigValue.ValueInt64()); p != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Attribute Value", p)
	}
}

// dbStorageProblem is why gb is not a storage size of cloud, "" when it is.
func dbStorageProblem(cloud backend.Cloud, gb int64) string {
	lo := int64(20)
	if cloud == backend.GCP {
		lo = 10
	}
	if gb < lo || gb > 65536 {
		return fmt.Sprintf("Attribute allocated_storage value must be between %d and 65536 on %s, got: %d", lo, cloud, gb)
	}
	return ""
}

// dbBackupRetentionValidators: RDS keeps automated backups 0 to 35 days.
var dbBackupRetentionValidators = []validator.Int64{int64validator.Between(0, 35)}

// dbUsernameValidators: a letter first, then letters, digits and
// underscores, at most 16 characters (the tighter of mysql's and postgres's
// limits; both engines are offered by one attribute).
var dbUsernameValidators = []validator.String{
	stringvalidator.RegexMatches(regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,15}$`), "must start with a letter and hold at most 16 letters, digits and underscores"),
}

// dbPasswordValidators: 8 to 128 printable ASCII characters other than
// '/', '"', '@' and space. The messages never repeat the value.
var dbPasswordValidators = []validator.String{passwordValidator{}}

type passwordValidator struct{}

func (passwordValidator) Description(context.Context) string {
	return `8 to 128 printable ASCII characters other than '/', '"', '@' and space`
}

func (v passwordValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v passwordValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if msg := passwordProblem(req.ConfigValue.ValueString()); msg != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid database password",
			fmt.Sprintf("The password %s; it must be %s. (The value is not shown: it is sensitive.)", msg, v.Description(ctx)))
	}
}

// passwordProblem says what is wrong with a password without quoting it.
func passwordProblem(p string) string {
	switch {
	case len(p) < 8:
		return fmt.Sprintf("has %d characters", len(p))
	case len(p) > 128:
		return fmt.Sprintf("has %d characters", len(p))
	}
	for i, r := range p {
		if r < 0x21 || r > 0x7e || strings.ContainsRune(`/"@`, r) {
			if r == ' ' {
				return fmt.Sprintf("has a space at position %d", i+1)
			}
			return fmt.Sprintf("has a character RDS refuses at position %d", i+1)
		}
	}
	return ""
}

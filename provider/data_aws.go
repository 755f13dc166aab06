package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// awsConfigured reports whether any AWS setting was given; without one, no
// AWS call is made at configure time.
func (d *providerData) awsConfigured() bool {
	a := d.cfg.AWS
	return a.Endpoint != "" || a.AccessKey != "" || a.Profile != ""
}

// awsSession returns the AWS session shared by every AWS resource.
func (d *providerData) awsSession() *awsbackend.Session {
	return awsbackend.SessionFor(d.backends)
}

// verifyAWS turns bad credentials into one configure-time error.
func (d *providerData) verifyAWS(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.awsConfigured() {
		return diags
	}
	_, err := d.awsSession().Verify(ctx)
	switch {
	case awsbackend.IsUnreachable(err):
		// A lost region must not stop the apply that replaces it: the check
		// is skipped, and each resource in a location that cannot be reached
		// warns on its own (see unreachable.go).
		diags.AddAttributeWarning(path.Root("aws"), "AWS credentials not checked: endpoint unreachable",
			fmt.Sprintf("%v. Resources in locations that cannot be reached keep their last known state; "+
				"if no region is lost, check the endpoint and the network.", err))
	case err != nil:
		diags.AddAttributeError(path.Root("aws"), "Invalid AWS credentials or endpoint", err.Error())
	}
	return diags
}

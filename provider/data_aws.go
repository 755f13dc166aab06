package provider

import (
	"context"

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
	d.awsOnce.Do(func() {
		d.aws = awsbackend.NewSession(awsbackend.Settings{
			Endpoint:   d.cfg.AWS.Endpoint,
			AccessKey:  d.cfg.AWS.AccessKey,
			SecretKey:  d.cfg.AWS.SecretKey,
			Profile:    d.cfg.AWS.Profile,
			MaxRetries: d.cfg.AWS.MaxRetries,
		})
	})
	return d.aws
}

// verifyAWS turns bad credentials into one configure-time error.
func (d *providerData) verifyAWS(ctx context.Context) diag.Diagnostics {
	var diags diag.Diagnostics
	if !d.awsConfigured() {
		return diags
	}
	if _, err := d.awsSession().Verify(ctx); err != nil {
		diags.AddAttributeError(path.Root("aws"), "Invalid AWS credentials or endpoint", err.Error())
	}
	return diags
}

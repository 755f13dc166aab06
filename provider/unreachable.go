package provider

import (
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
)

// After a region is lost, the blueprint's modules drop its components and
// Terraform refreshes and then destroys them. Its AWS API may be unreachable
// then: these helpers turn that one kind of failure into warnings, so that
// plan and apply go through, and leave every other error an error.

// lostObject names what a Read or Delete was working on, for the warnings.
type lostObject struct {
	kind      string // "load balancer"
	name      string // physical name
	component string // component key, may be ""
	blueprint string // may be ""
	location  string // the object's location
}

func newLostObject(kind string, name, component, blueprint, location types.String) lostObject {
	return lostObject{
		kind: kind, name: name.ValueString(), component: component.ValueString(),
		blueprint: blueprint.ValueString(), location: location.ValueString(),
	}
}

// label is "component east/web/load_balancer", or the kind and name when
// there is no component key.
func (o lostObject) label() string {
	if o.component != "" {
		return "component " + o.component
	}
	return fmt.Sprintf("%s %s", o.kind, o.name)
}

// where is the cloud ("AWS", "GCP") and location err names (a copy region,
// say), else the object's location.
func (o lostObject) where(err error) (cloud, location string) {
	if loc := awsbackend.UnreachableLocation(err); loc != "" {
		return "AWS", loc
	}
	var ue *backend.UnreachableError
	if errors.As(err, &ue) {
		return cloudLabel(ue.Cloud), ue.Location
	}
	return "AWS", o.location
}

// cloudLabel is how messages spell a cloud.
func cloudLabel(c backend.Cloud) string {
	switch c {
	case backend.AWS:
		return "AWS"
	case backend.GCP:
		return "GCP"
	case backend.BareMetal:
		return "Bare-metal"
	}
	return string(c)
}

// confirmedUnreachable is true only for a location confirmed down (a failed
// connect and probe, or listed in lost_locations), in any cloud.
func confirmedUnreachable(err error) bool {
	return err != nil && errors.Is(err, backend.ErrUnreachable)
}

// keepUnreachable is for Read: when the location's API could not be
// reached it adds a warning and reports true, and the caller returns
// without setting state, so the prior state stays as it was (the framework
// starts Read's response from it). Otherwise it does nothing.
func keepUnreachable(diags *diag.Diagnostics, o lostObject, err error) bool {
	// Only a location the session confirmed down (failed connect, then a
	// failed probe): a read that merely times out in a region that answers
	// stays an error rather than hiding behind stale state.
	if !confirmedUnreachable(err) {
		return false
	}
	cloud, loc := o.where(err)
	diags.AddWarning(cloud+" location "+loc+" unreachable",
		fmt.Sprintf("%s location %s unreachable: keeping the last known state of %s (%s %s). "+
			"Cause: %v. If the location is lost, remove its components from the configuration; "+
			"the next apply forgets them.", cloud, loc, o.label(), o.kind, o.name, err))
	return true
}

// forgetUnreachable is for Delete: when the session has confirmed the
// location unreachable (a failed connect, then a failed probe) it adds a
// warning that the object leaves the state without being deleted, and
// reports true; the caller then returns without an error, so Terraform
// forgets the object. Otherwise it does nothing. Unlike Read it does not
// take any IsUnreachable error: a delete that merely runs out of time in a
// region that answers (context.DeadlineExceeded) must stay an error, or the
// object would be forgotten while it still exists and is reachable.
func forgetUnreachable(diags *diag.Diagnostics, o lostObject, err error) bool {
	if !confirmedUnreachable(err) {
		return false
	}
	cloud, loc := o.where(err)
	bp := o.blueprint
	if bp == "" {
		bp = "NAME"
	}
	// Only AWS has a sweep command; on GCP the blueprint's label finds what is left.
	howto := fmt.Sprintf("`terraform-provider-ha aws sweep --blueprint %s --location %s --dry-run` and delete it without --dry-run", bp, loc)
	switch cloud {
	case "AWS":
	case cloudLabel(backend.BareMetal):
		howto = fmt.Sprintf("`ls -d /var/lib/ha-*/%s* /etc/cron.d/ha-*%s*` on the hosts of site %s and remove it (stopping the daemons whose pid files are there)", o.name, o.name, loc)
	default:
		howto = fmt.Sprintf("`gcloud sql instances list --filter=\"region:%s AND settings.userLabels.ha-blueprint:%s\"` "+
			"(and the compute instance groups, templates and load balancers named after %s) and delete it", loc, bp, bp)
	}
	diags.AddWarning(fmt.Sprintf("%s %s removed from state without being deleted", o.kind, o.name),
		fmt.Sprintf("%s location %s unreachable: %s (%s %s) was removed from the Terraform state without being deleted. "+
			"Cause: %v. It may still exist there; once the location answers again, list what is left with %s.",
			cloud, loc, o.label(), o.kind, o.name, err, howto))
	return true
}

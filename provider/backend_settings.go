package provider

import (
	"sync"

	awsbackend "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"

	// Backends register with the per-kind registries from init.
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
)

// settingsByProvider holds one backend.Settings per configured provider,
// for the resources that open their backend from a registry by cloud.
var settingsByProvider sync.Map // *providerData → *backend.Settings

// backendSettings is this provider's backend.Settings; its AWS session is
// the one the other AWS resources use, so all share one view of which
// locations are unreachable.
func (d *providerData) backendSettings() *backend.Settings {
	if v, ok := settingsByProvider.Load(d); ok {
		return v.(*backend.Settings)
	}
	a := d.cfg.AWS
	s := &backend.Settings{AWS: backend.AWSSettings{
		Endpoint: a.Endpoint, AccessKey: a.AccessKey, SecretKey: a.SecretKey,
		Profile: a.Profile, MaxRetries: a.MaxRetries, LostLocations: a.LostLocations,
	}}
	awsbackend.ShareSession(s, d.awsSession())
	v, _ := settingsByProvider.LoadOrStore(d, s)
	return v.(*backend.Settings)
}

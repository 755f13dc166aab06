package provider

// Backends register with the per-kind registries (internal/loadbalancer,
// ...) from init; importing them here is what puts them in the provider.
import (
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/alertexporter" // bare_metal alerts
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/alarms"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/backup" // backup plans
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/bucket"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/loadbalancer"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/rds" // databases, replicas
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/aws/scaling"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/gcp/cloudsql"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/gcp/compute"
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/haproxy"       // bare_metal load balancer
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/patroni"       // bare_metal database
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/pgbackrest"    // bare_metal backup plan
	_ "github.com/ha-blueprints/terraform-provider-ha/internal/redissentinel" // bare_metal cache
)

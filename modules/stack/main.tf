# One blueprint to a whole deployment: every component the blueprint implies,
# created with for_each over the ha_blueprint maps, in dependency order:
# databases, then replicas and backup plans; load balancers, then scaling
# groups; DNS failover last, over the load balancers.

data "ha_blueprint" "this" {
  path           = var.blueprint
  variables      = var.variables
  lost_regions   = var.lost_regions
  replacements   = var.replacements
  primary_region = var.primary_region
}

locals {
  bp = data.ha_blueprint.this

  # The components managed in this state: every region's, or one region's.
  # Cloud components go to the resources of their kind, which dispatch on
  # `cloud` (aws, gcp; gcp.tf says what GCP regions get), bare-metal
  # regions to host allocations.
  mine = { for kind in ["databases", "database_replicas", "backup_plans", "load_balancers", "scaling_groups", "host_allocations"] :
    # A cache's host allocation (tagged cache) is in bare_metal_cache.tf.
    kind => { for k, c in local.bp[kind] : k => c if(var.region == null || c.region == var.region) && try(c.tags.cache, "") == "" }
  }
  dns_failovers = var.manage_dns ? local.bp.dns_failovers : {}
  # ha_backup_plan copies to another region; a plan with nowhere to copy to
  # (every other region lost and none rebuilt) waits for a replacement.
  backup_plans       = { for k, b in local.mine.backup_plans : k => b if b.copy_to_location != "" && b.cloud != "bare_metal" }
  backup_plans_stuck = [for k, b in local.mine.backup_plans : k if b.copy_to_location == ""]
  database_arns      = merge(var.peer_arns, { for k, db in ha_database.this : k => db.arn })
  load_balancers     = merge(var.peer_load_balancers, { for k, lb in ha_load_balancer.this : k => { dns_name = lb.dns_name, zone_id = lb.zone_id } })

}

resource "ha_database" "this" {
  # Bare-metal databases (Patroni) are in bare_metal_database.tf.
  for_each = { for k, c in local.mine.databases : k => c if c.cloud != "bare_metal" }

  cloud                   = each.value.cloud
  name                    = each.value.name
  location                = each.value.location
  component               = each.key
  blueprint               = each.value.blueprint
  engine                  = each.value.engine
  engine_version          = each.value.engine_version
  instance_class          = each.value.instance_class
  allocated_storage       = each.value.allocated_storage
  multi_az                = each.value.multi_az
  storage_encrypted       = each.value.storage_encrypted
  backup_retention_period = each.value.backup_retention_period
  deletion_protection     = each.value.deletion_protection
  restore_from_component  = each.value.restore_from != "" ? each.value.restore_from : null
  skip_final_snapshot     = var.skip_final_snapshot
  username                = var.database_username
  password                = var.database_password
  tags                    = var.tags
}

resource "ha_database_replica" "this" {
  for_each = local.mine.database_replicas

  cloud           = each.value.cloud
  name            = each.value.name
  location        = each.value.location
  component       = each.key
  blueprint       = each.value.blueprint
  source          = each.value.source
  source_location = each.value.source_location
  # A replica of a database gets its ARN here; a replica of another replica
  # (a rebuilt region following a promoted one) finds it by its tags, since
  # a resource block cannot refer to itself. A promoted replica keeps the
  # source it had, which may be gone.
  source_arn          = lookup(local.database_arns, each.value.source, null)
  engine              = each.value.engine
  instance_class      = each.value.instance_class
  promote             = each.value.promote
  skip_final_snapshot = var.skip_final_snapshot
  tags                = var.tags

  # A rebuilt region's replica needs the promoted copy it follows to exist.
  depends_on = [ha_database.this]
}

resource "ha_backup_plan" "this" {
  for_each = local.backup_plans

  cloud            = each.value.cloud
  name             = each.value.name
  location         = each.value.location
  component        = each.key
  blueprint        = each.value.blueprint
  schedule         = each.value.schedule
  retention_days   = each.value.retention_days
  encrypted        = each.value.encrypted
  database         = each.value.database
  copy_to_region   = each.value.copy_to_region
  copy_to_location = each.value.copy_to_location
  resource_arns = [coalesce(
    lookup(local.database_arns, each.value.database, null),
    try(ha_database_replica.this[each.value.database].arn, null),
  )]
  tags = var.tags
}

resource "ha_load_balancer" "this" {
  # Bare-metal load balancers (HAProxy on the VIP holders) are in bare_metal.tf.
  for_each = { for k, c in local.mine.load_balancers : k => c if c.cloud != "bare_metal" }

  cloud        = each.value.cloud
  name         = each.value.name
  location     = each.value.location
  component    = each.key
  blueprint    = each.value.blueprint
  zones        = each.value.zones
  layer        = each.value.layer
  listeners    = each.value.listeners
  health_check = each.value.health_check
  tags         = var.tags
}

resource "ha_scaling_group" "this" {
  for_each = local.mine.scaling_groups

  cloud                     = each.value.cloud
  name                      = each.value.name
  location                  = each.value.location
  component                 = each.key
  blueprint                 = each.value.blueprint
  zones                     = each.value.zones
  image                     = each.value.image
  instance_type             = each.value.instance_type
  min_size                  = each.value.min_size
  desired_capacity          = each.value.desired_capacity
  max_size                  = each.value.max_size
  cpu_target                = each.value.cpu_target
  health_check_grace_period = each.value.health_check_grace_period
  min_healthy_percentage    = each.value.min_healthy_percentage
  target_group_arn          = each.value.load_balancer != "" ? ha_load_balancer.this[each.value.load_balancer].target_group_arn : null
  tags                      = var.tags

  # Tiers that use a database start after it (the blueprint's `uses`).
  depends_on = [ha_database.this, ha_database_replica.this]
}

resource "ha_host_allocation" "this" {
  for_each = local.mine.host_allocations

  name               = each.value.name
  component          = each.value.for
  inventory          = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables          = var.inventory_variables
  exclude_on_battery = var.exclude_on_battery
  host_count         = each.value.host_count
  spread             = each.value.spread
  tolerate           = each.value.tolerate
  require = {
    cpus   = each.value.require.cpus > 0 ? each.value.require.cpus : null
    memory = each.value.require.memory > 0 ? "${each.value.require.memory}GiB" : null
  }
}

resource "ha_dns_failover" "this" {
  for_each = local.dns_failovers

  backend     = each.value.backend
  fqdn        = each.value.fqdn
  zone        = each.value.zone
  create_zone = var.create_dns_zones
  ttl         = each.value.ttl
  mode        = each.value.mode
  component   = each.key
  blueprint   = each.value.blueprint

  dynamic "target" {
    for_each = each.value.targets
    content {
      name   = target.value.region
      weight = each.value.mode == "weighted" ? target.value.weight : null
      addresses = each.value.backend == "route53" ? null : lookup(var.dns_addresses, target.value.region,
        target.value.virtual_ip != "" ? [try(ha_virtual_ip.this[target.value.virtual_ip].vip, local.bp.virtual_ips[target.value.virtual_ip].address)] :
        target.value.host_allocation != "" ? sort(values(ha_host_allocation.this[target.value.host_allocation].addresses)) :
      lookup(local.gcp_lb_addresses, target.value.load_balancer, null))
      dns_name = each.value.backend == "route53" && target.value.load_balancer != "" ? local.load_balancers[target.value.load_balancer].dns_name : null
      zone_id  = each.value.backend == "route53" && target.value.load_balancer != "" ? local.load_balancers[target.value.load_balancer].zone_id : null
    }
  }

  health_check {
    protocol  = each.value.health_check.protocol
    port      = each.value.health_check.port
    path      = each.value.health_check.protocol == "TCP" ? null : each.value.health_check.path
    interval  = each.value.health_check.interval
    threshold = each.value.health_check.threshold
  }
}

check "backups_have_a_copy_region" {
  assert {
    condition     = length(local.backup_plans_stuck) == 0
    error_message = "No region to copy backups to, so these backup plans are not managed until a lost region is rebuilt (replacements): ${join(", ", local.backup_plans_stuck)}."
  }
}

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
    # A cache's host allocation (tagged cache) is in bare_metal_cache.tf, a
    # restored database's (tagged restore) in bare_metal_database.tf.
    kind => { for k, c in local.bp[kind] : k => c if(var.region == null || c.region == var.region) && try(c.tags.cache, "") == "" && try(c.tags.restore, "") == "" }
  }
  dns_failovers = var.manage_dns ? local.bp.dns_failovers : {}
  # ha_backup_plan copies to another region; a plan with nowhere to copy to
  # (every other region lost and none rebuilt) waits for a replacement.
  backup_plans       = { for k, b in local.mine.backup_plans : k => b if b.copy_to_location != "" && b.cloud != "bare_metal" }
  backup_plans_stuck = [for k, b in local.mine.backup_plans : k if b.copy_to_location == ""]
  database_arns      = merge(var.peer_arns, { for k, db in ha_database.this : k => db.arn })
  load_balancers     = merge(var.peer_load_balancers, { for k, lb in ha_load_balancer.this : k => { dns_name = lb.dns_name, zone_id = lb.zone_id } })

  # Terraform evaluates a resource's for_each once per instance, and a
  # reference to another resource builds every instance of it: with a
  # thousand components both grow with the square of the count. So each
  # resource iterates over a map of its keys alone (a set would be sorted
  # by value on each use) and reads its component from a local, and what
  # one resource needs of another is gathered once here.
  dbs                  = { for k, c in local.mine.databases : k => c if c.cloud != "bare_metal" } # bare_metal_database.tf has the others
  replicas             = local.mine.database_replicas
  cloud_lbs            = { for k, c in local.mine.load_balancers : k => c if c.cloud != "bare_metal" } # bare_metal.tf has the others
  sgs                  = local.mine.scaling_groups
  allocs               = local.mine.host_allocations
  dbs_keys             = { for k, _ in local.dbs : k => true }
  replicas_keys        = { for k, _ in local.replicas : k => true }
  backup_plans_keys    = { for k, _ in local.backup_plans : k => true }
  cloud_lbs_keys       = { for k, _ in local.cloud_lbs : k => true }
  sgs_keys             = { for k, _ in local.sgs : k => true }
  allocs_keys          = { for k, _ in local.allocs : k => true }
  dns_failovers_keys   = { for k, _ in local.dns_failovers : k => true }
  target_group_arns    = { for k, lb in ha_load_balancer.this : k => lb.target_group_arn }
  replica_arns         = { for k, r in ha_database_replica.this : k => r.arn }
  allocation_addresses = { for k, a in ha_host_allocation.this : k => a.addresses }
  vip_addresses        = { for k, v in ha_virtual_ip.this : k => v.vip }

}

resource "ha_database" "this" {
  # Bare-metal databases (Patroni) are in bare_metal_database.tf.
  for_each = local.dbs_keys

  cloud                   = local.dbs[each.key].cloud
  name                    = local.dbs[each.key].name
  location                = local.dbs[each.key].location
  component               = each.key
  blueprint               = local.dbs[each.key].blueprint
  engine                  = local.dbs[each.key].engine
  engine_version          = local.dbs[each.key].engine_version
  instance_class          = local.dbs[each.key].instance_class
  allocated_storage       = local.dbs[each.key].allocated_storage
  multi_az                = local.dbs[each.key].multi_az
  storage_encrypted       = local.dbs[each.key].storage_encrypted
  backup_retention_period = local.dbs[each.key].backup_retention_period
  deletion_protection     = local.dbs[each.key].deletion_protection
  restore_from_component  = local.dbs[each.key].restore_from != "" ? local.dbs[each.key].restore_from : null
  skip_final_snapshot     = var.skip_final_snapshot
  username                = var.database_username
  password                = var.database_password
  tags                    = var.tags
}

resource "ha_database_replica" "this" {
  for_each = local.replicas_keys

  cloud           = local.replicas[each.key].cloud
  name            = local.replicas[each.key].name
  location        = local.replicas[each.key].location
  component       = each.key
  blueprint       = local.replicas[each.key].blueprint
  source          = local.replicas[each.key].source
  source_location = local.replicas[each.key].source_location
  # A replica of a database gets its ARN here; a replica of another replica
  # (a rebuilt region following a promoted one) finds it by its tags, since
  # a resource block cannot refer to itself. A promoted replica keeps the
  # source it had, which may be gone.
  source_arn          = lookup(local.database_arns, local.replicas[each.key].source, null)
  engine              = local.replicas[each.key].engine
  instance_class      = local.replicas[each.key].instance_class
  promote             = local.replicas[each.key].promote
  skip_final_snapshot = var.skip_final_snapshot
  tags                = var.tags

  # A rebuilt region's replica needs the promoted copy it follows to exist.
  depends_on = [ha_database.this]
}

resource "ha_backup_plan" "this" {
  for_each = local.backup_plans_keys

  cloud            = local.backup_plans[each.key].cloud
  name             = local.backup_plans[each.key].name
  location         = local.backup_plans[each.key].location
  component        = each.key
  blueprint        = local.backup_plans[each.key].blueprint
  schedule         = local.backup_plans[each.key].schedule
  retention_days   = local.backup_plans[each.key].retention_days
  encrypted        = local.backup_plans[each.key].encrypted
  database         = local.backup_plans[each.key].database
  copy_to_region   = local.backup_plans[each.key].copy_to_region
  copy_to_location = local.backup_plans[each.key].copy_to_location
  resource_arns = [coalesce(
    lookup(local.database_arns, local.backup_plans[each.key].database, null),
    lookup(local.replica_arns, local.backup_plans[each.key].database, null),
  )]
  tags = var.tags
}

resource "ha_load_balancer" "this" {
  # Bare-metal load balancers (HAProxy on the VIP holders) are in bare_metal.tf.
  for_each = local.cloud_lbs_keys

  cloud        = local.cloud_lbs[each.key].cloud
  name         = local.cloud_lbs[each.key].name
  location     = local.cloud_lbs[each.key].location
  component    = each.key
  blueprint    = local.cloud_lbs[each.key].blueprint
  zones        = local.cloud_lbs[each.key].zones
  layer        = local.cloud_lbs[each.key].layer
  listeners    = local.cloud_lbs[each.key].listeners
  health_check = local.cloud_lbs[each.key].health_check
  tags         = var.tags
}

resource "ha_scaling_group" "this" {
  for_each = local.sgs_keys

  cloud                     = local.sgs[each.key].cloud
  name                      = local.sgs[each.key].name
  location                  = local.sgs[each.key].location
  component                 = each.key
  blueprint                 = local.sgs[each.key].blueprint
  zones                     = local.sgs[each.key].zones
  image                     = local.sgs[each.key].image
  instance_type             = local.sgs[each.key].instance_type
  min_size                  = local.sgs[each.key].min_size
  desired_capacity          = local.sgs[each.key].desired_capacity
  max_size                  = local.sgs[each.key].max_size
  cpu_target                = local.sgs[each.key].cpu_target
  health_check_grace_period = local.sgs[each.key].health_check_grace_period
  min_healthy_percentage    = local.sgs[each.key].min_healthy_percentage
  target_group_arn          = local.sgs[each.key].load_balancer != "" ? local.target_group_arns[local.sgs[each.key].load_balancer] : null
  tags                      = var.tags

  # Tiers that use a database start after it (the blueprint's `uses`).
  depends_on = [ha_database.this, ha_database_replica.this]
}

resource "ha_host_allocation" "this" {
  for_each = local.allocs_keys

  name               = local.allocs[each.key].name
  component          = local.allocs[each.key].for
  inventory          = "${dirname(var.blueprint)}/${local.allocs[each.key].inventory}"
  variables          = var.inventory_variables
  exclude_on_battery = var.exclude_on_battery
  host_count         = local.allocs[each.key].host_count
  spread             = local.allocs[each.key].spread
  tolerate           = local.allocs[each.key].tolerate
  require = {
    cpus   = local.allocs[each.key].require.cpus > 0 ? local.allocs[each.key].require.cpus : null
    memory = local.allocs[each.key].require.memory > 0 ? "${local.allocs[each.key].require.memory}GiB" : null
  }
}

resource "ha_dns_failover" "this" {
  for_each = local.dns_failovers_keys

  backend     = local.dns_failovers[each.key].backend
  fqdn        = local.dns_failovers[each.key].fqdn
  zone        = local.dns_failovers[each.key].zone
  create_zone = var.create_dns_zones
  ttl         = local.dns_failovers[each.key].ttl
  mode        = local.dns_failovers[each.key].mode
  component   = each.key
  blueprint   = local.dns_failovers[each.key].blueprint

  dynamic "target" {
    for_each = local.dns_failovers[each.key].targets
    content {
      name   = target.value.region
      weight = local.dns_failovers[each.key].mode == "weighted" ? target.value.weight : null
      addresses = local.dns_failovers[each.key].backend == "route53" ? null : lookup(var.dns_addresses, target.value.region,
        target.value.virtual_ip != "" ? [lookup(local.vip_addresses, target.value.virtual_ip, local.bp.virtual_ips[target.value.virtual_ip].address)] :
        target.value.host_allocation != "" ? sort(values(local.allocation_addresses[target.value.host_allocation])) :
      lookup(local.gcp_lb_addresses, target.value.load_balancer, null))
      dns_name = local.dns_failovers[each.key].backend == "route53" && target.value.load_balancer != "" ? local.load_balancers[target.value.load_balancer].dns_name : null
      zone_id  = local.dns_failovers[each.key].backend == "route53" && target.value.load_balancer != "" ? local.load_balancers[target.value.load_balancer].zone_id : null
    }
  }

  health_check {
    protocol  = local.dns_failovers[each.key].health_check.protocol
    port      = local.dns_failovers[each.key].health_check.port
    path      = local.dns_failovers[each.key].health_check.protocol == "TCP" ? null : local.dns_failovers[each.key].health_check.path
    interval  = local.dns_failovers[each.key].health_check.interval
    threshold = local.dns_failovers[each.key].health_check.threshold
  }
}

check "backups_have_a_copy_region" {
  assert {
    condition     = length(local.backup_plans_stuck) == 0
    error_message = "No region to copy backups to, so these backup plans are not managed until a lost region is rebuilt (replacements): ${join(", ", local.backup_plans_stuck)}."
  }
}

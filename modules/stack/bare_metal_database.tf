# Bare metal: a database in a bare_metal region is a PostgreSQL cluster
# managed by Patroni (one etcd member per host) on the members of its own
# host allocation, delivered over SSH (the provider's bare_metal block). The
# hosts' power domains (the single devices whose loss takes each down) and
# pinned SSH host keys come from the region's inventory, so the plan fails
# when one UPS, feed or PDU would take out a majority of etcd.

variable "backup_passphrase" {
  description = "Bare metal: passphrase of every pgBackRest repository (aes-256-cbc); required when the blueprint has an encrypted backup of a database in a bare_metal region. Without it nothing in the repository can be restored: keep it outside the state too."
  type        = string
  default     = null
  sensitive   = true
}

locals {
  bm_databases = { for k, c in local.mine.databases : k => c if c.cloud == "bare_metal" }
  # The repository's host is a component of the copy_to site (it survives
  # the loss of the database's): with one state per region, the plan is
  # built only where that allocation is managed too.
  bm_backup_plans           = { for k, b in local.mine.backup_plans : k => b if b.cloud == "bare_metal" && b.repository_allocation != "" && contains(keys(local.allocs), b.repository_allocation) }
  bm_backup_plans_elsewhere = [for k, b in local.mine.backup_plans : k if b.cloud == "bare_metal" && b.repository_allocation != "" && !contains(keys(local.allocs), b.repository_allocation)]
  # A database rebuilt after its site was lost restores from the repository
  # its backup plan kept in the surviving site.
  bm_restores = { for k, c in local.bm_databases : k => c if c.restore_repository != "" }
  # Its hosts come from an allocation of its own, placed after the others.
  bm_restore_allocations = { for k, c in local.bp.host_allocations : k => c if try(c.tags.restore, "") != "" && (var.region == null || c.region == var.region) }
  bm_allocations         = merge(ha_host_allocation.this, ha_host_allocation.bare_metal_restore)
}

data "ha_inventory" "bare_metal_database" {
  for_each = local.bm_databases

  path      = "${dirname(var.blueprint)}/${local.bp.host_allocations[each.value.host_allocation].inventory}"
  variables = var.inventory_variables
}

resource "ha_database" "bare_metal" {
  for_each = local.bm_databases

  cloud                  = "bare_metal"
  name                   = each.value.name
  location               = each.value.location
  component              = each.key
  blueprint              = each.value.blueprint
  engine                 = each.value.engine
  engine_version         = each.value.engine_version
  instance_class         = "patroni"
  multi_az               = each.value.multi_az
  deletion_protection    = each.value.deletion_protection
  primary                = each.value.primary != "" ? each.value.primary : null
  failover_budget        = each.value.failover_budget > 0 ? each.value.failover_budget : null
  max_lag_bytes          = each.value.max_lag_bytes > 0 ? each.value.max_lag_bytes : null
  restore_from_component = each.value.restore_from != "" ? each.value.restore_from : null
  restore_repository = each.value.restore_repository == "" ? null : {
    stanza       = each.value.restore_stanza
    name         = one(ha_host_allocation.this[each.value.restore_repository].members)
    address      = ha_host_allocation.this[each.value.restore_repository].addresses[one(ha_host_allocation.this[each.value.restore_repository].members)]
    ssh_host_key = data.ha_inventory.bare_metal_restore[each.key].hosts[one(ha_host_allocation.this[each.value.restore_repository].members)].ssh_host_key != "" ? data.ha_inventory.bare_metal_restore[each.key].hosts[one(ha_host_allocation.this[each.value.restore_repository].members)].ssh_host_key : null
  }
  restore_passphrase = each.value.restore_repository != "" ? var.backup_passphrase : null
  username           = var.database_username
  password           = var.database_password
  tags               = var.tags
  hosts = [for m in local.bm_allocations[each.value.host_allocation].members : {
    name         = m
    address      = local.bm_allocations[each.value.host_allocation].addresses[m]
    ssh_host_key = data.ha_inventory.bare_metal_database[each.key].hosts[m].ssh_host_key != "" ? data.ha_inventory.bare_metal_database[each.key].hosts[m].ssh_host_key : null
    domains      = data.ha_inventory.bare_metal_database[each.key].hosts[m].downed_by
  }]
}

# A bare-metal database's backup plan is pgBackRest: an encrypted repository
# on a host of the copy_to site (its own host allocation from that site's
# inventory), WAL archived continuously, full backups on the schedule.
resource "ha_backup_plan" "bare_metal" {
  for_each = local.bm_backup_plans

  cloud            = "bare_metal"
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
  start_backup_now = true
  stanza           = ha_database.bare_metal[each.value.database].name
  passphrase       = each.value.encrypted ? var.backup_passphrase : null
  tags             = var.tags
  database_hosts = [for h in ha_database.bare_metal[each.value.database].hosts : {
    name         = h.name
    address      = h.address
    ssh_host_key = h.ssh_host_key
  }]
  repository_host = {
    name         = one(ha_host_allocation.this[each.value.repository_allocation].members)
    address      = ha_host_allocation.this[each.value.repository_allocation].addresses[one(ha_host_allocation.this[each.value.repository_allocation].members)]
    ssh_host_key = data.ha_inventory.bare_metal_backup[each.key].hosts[one(ha_host_allocation.this[each.value.repository_allocation].members)].ssh_host_key != "" ? data.ha_inventory.bare_metal_backup[each.key].hosts[one(ha_host_allocation.this[each.value.repository_allocation].members)].ssh_host_key : null
  }

  lifecycle {
    precondition {
      condition     = !each.value.encrypted || var.backup_passphrase != null
      error_message = "Backup plan ${each.key} keeps an encrypted pgBackRest repository: set backup_passphrase."
    }
  }
}

# A restored database's allocation is planned after the others and never
# takes their hosts (the repository's above all): allocations of one
# resource are planned concurrently.
resource "ha_host_allocation" "bare_metal_restore" {
  for_each = local.bm_restore_allocations

  name               = each.value.name
  component          = each.value.for
  inventory          = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables          = var.inventory_variables
  exclude_on_battery = var.exclude_on_battery
  host_count         = each.value.host_count
  spread             = each.value.spread
  tolerate           = each.value.tolerate
  exclude            = sort(flatten([for a in ha_host_allocation.this : a.members]))
}

data "ha_inventory" "bare_metal_restore" {
  for_each = local.bm_restores

  path      = "${dirname(var.blueprint)}/${local.bp.host_allocations[each.value.restore_repository].inventory}"
  variables = var.inventory_variables
}

check "bare_metal_backup_plans_elsewhere" {
  assert {
    condition     = length(local.bm_backup_plans_elsewhere) == 0
    error_message = "These bare-metal backup plans keep their repository on a host of another region's state, so they are built by a state that manages both (var.region = null): ${join(", ", local.bm_backup_plans_elsewhere)}."
  }
}

data "ha_inventory" "bare_metal_backup" {
  for_each = local.bm_backup_plans

  path      = "${dirname(var.blueprint)}/${local.bp.host_allocations[each.value.repository_allocation].inventory}"
  variables = var.inventory_variables
}

output "bare_metal_backup_plans" {
  description = "Bare-metal backup plans (pgBackRest) by component key: the repository (HOST:PATH) and the newest backup's label."
  value = { for k, v in ha_backup_plan.bare_metal : k => {
    repository    = v.vault_arn
    latest_backup = v.latest_recovery_point_arn
  } }
}

output "bare_metal_databases" {
  description = "Bare-metal databases (Patroni) by component key: the leader's endpoint and the hosts (name, address), as ha_database_drill's patroni list takes them (address:8008)."
  value = { for k, v in ha_database.bare_metal : k => {
    endpoint = v.endpoint
    hosts    = [for h in v.hosts : { name = h.name, address = h.address }]
  } }
}

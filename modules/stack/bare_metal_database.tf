# Bare metal: a database in a bare_metal region is a PostgreSQL cluster
# managed by Patroni (one etcd member per host) on the members of its own
# host allocation, delivered over SSH (the provider's bare_metal block). The
# hosts' power domains (the single devices whose loss takes each down) and
# pinned SSH host keys come from the region's inventory, so the plan fails
# when one UPS, feed or PDU would take out a majority of etcd.

locals {
  bm_databases = { for k, c in local.mine.databases : k => c if c.cloud == "bare_metal" }
}

data "ha_inventory" "bare_metal_database" {
  for_each = local.bm_databases

  path      = "${dirname(var.blueprint)}/${local.bp.host_allocations[each.value.host_allocation].inventory}"
  variables = var.inventory_variables
}

resource "ha_database" "bare_metal" {
  for_each = local.bm_databases

  cloud               = "bare_metal"
  name                = each.value.name
  location            = each.value.location
  component           = each.key
  blueprint           = each.value.blueprint
  engine              = each.value.engine
  engine_version      = each.value.engine_version
  instance_class      = "patroni"
  multi_az            = each.value.multi_az
  deletion_protection = each.value.deletion_protection
  primary             = each.value.primary != "" ? each.value.primary : null
  failover_budget     = each.value.failover_budget > 0 ? each.value.failover_budget : null
  username            = var.database_username
  password            = var.database_password
  tags                = var.tags
  hosts = [for m in ha_host_allocation.this[each.value.host_allocation].members : {
    name         = m
    address      = ha_host_allocation.this[each.value.host_allocation].addresses[m]
    ssh_host_key = data.ha_inventory.bare_metal_database[each.key].hosts[m].ssh_host_key != "" ? data.ha_inventory.bare_metal_database[each.key].hosts[m].ssh_host_key : null
    domains      = data.ha_inventory.bare_metal_database[each.key].hosts[m].downed_by
  }]
}

check "bare_metal_backup_plans" {
  assert {
    condition     = length([for k, b in local.mine.backup_plans : k if b.cloud == "bare_metal"]) == 0
    error_message = "Backup plans of bare-metal databases (pgBackRest) are not created by this module yet: ${join(", ", [for k, b in local.mine.backup_plans : k if b.cloud == "bare_metal"])}."
  }
}

output "bare_metal_databases" {
  description = "Bare-metal databases (Patroni) by component key: the leader's endpoint and the hosts (name, address), as ha_database_drill's patroni list takes them (address:8008)."
  value = { for k, v in ha_database.bare_metal : k => {
    endpoint = v.endpoint
    hosts    = [for h in v.hosts : { name = h.name, address = h.address }]
  } }
}

# Bare metal: a cache in a bare_metal region is Redis with Sentinel on its
# own host allocation (ha_cache, cloud = "bare_metal"), delivered over SSH
# (the provider's bare_metal block). The hosts' power feeds and pinned SSH
# host keys come from the region's inventory.

variable "cache_password" {
  description = "Bare metal: password of every cache's Redis and Sentinel (requirepass); required when the blueprint has a cache in a bare_metal region."
  type        = string
  default     = null
  sensitive   = true
}

locals {
  bm_caches = { for k, c in local.bp.caches : k => c if c.cloud == "bare_metal" && (var.region == null || c.region == var.region) }
  # A cache's own allocation (tagged with the cache; main.tf leaves it out).
  bm_cache_allocations = { for k, c in local.bp.host_allocations : k => c if try(c.tags.cache, "") != "" && (var.region == null || c.region == var.region) }
}

# After the tiers' allocations, on the hosts they left: allocations of one
# resource are planned concurrently, so the split is made deterministic by
# excluding the tiers' members. Two caches in one region draw from one pool
# and are told apart by the state's registry of members.
resource "ha_host_allocation" "bare_metal_cache" {
  for_each = local.bm_cache_allocations

  name               = each.value.name
  component          = each.value.for
  inventory          = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables          = var.inventory_variables
  exclude_on_battery = var.exclude_on_battery
  host_count         = each.value.host_count
  spread             = each.value.spread
  tolerate           = each.value.tolerate
  exclude            = sort(flatten([for a in ha_host_allocation.this : a.members]))
  require = {
    cpus   = each.value.require.cpus > 0 ? each.value.require.cpus : null
    memory = each.value.require.memory > 0 ? "${each.value.require.memory}GiB" : null
  }
}

data "ha_inventory" "bare_metal_cache" {
  for_each = local.bm_caches

  path      = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables = var.inventory_variables
}

resource "ha_cache" "bare_metal" {
  for_each = local.bm_caches

  cloud          = "bare_metal"
  name           = each.value.name
  location       = each.value.location
  component      = each.key
  blueprint      = each.value.blueprint
  engine         = each.value.engine
  engine_version = each.value.engine_version
  replicas       = each.value.replicas
  role           = each.value.role
  primary        = each.value.primary
  replication    = each.value.replication
  password       = var.cache_password
  down_after_ms  = each.value.down_after_ms
  hosts = [
    for m in ha_host_allocation.bare_metal_cache[each.value.host_allocation].members : {
      name         = m
      address      = ha_host_allocation.bare_metal_cache[each.value.host_allocation].addresses[m]
      ssh_host_key = data.ha_inventory.bare_metal_cache[each.key].hosts[m].ssh_host_key != "" ? data.ha_inventory.bare_metal_cache[each.key].hosts[m].ssh_host_key : null
      feeds        = concat(data.ha_inventory.bare_metal_cache[each.key].hosts[m].ups, data.ha_inventory.bare_metal_cache[each.key].hosts[m].pdus)
    }
  ]
}

output "bare_metal_caches" {
  description = "Bare-metal caches by component key: the master the Sentinels name, its replicas, the Sentinels' addresses (reader_endpoint) and the planned failover seconds."
  value = { for k, c in ha_cache.bare_metal : k => {
    master           = c.master
    replica_hosts    = c.replica_hosts
    primary_endpoint = c.primary_endpoint
    sentinels        = c.reader_endpoint
    failover_seconds = c.failover_seconds
  } }
}

# Session stores, replicated buckets and monitoring: the cache, object_store
# and alerts components, on AWS (bare-metal caches: bare_metal_cache.tf;
# bare-metal alerts: bare_metal_alerts.tf).

locals {
  services = { for kind in ["caches", "object_stores", "alerts"] :
    kind => { for k, c in local.bp[kind] : k => c if(var.region == null || c.region == var.region) && c.cloud == "aws" }
  }
  # Keys only, as in main.tf: for_each is evaluated once per instance.
  caches_keys        = { for k, _ in local.services.caches : k => true }
  object_stores_keys = { for k, _ in local.services.object_stores : k => true }
  alerts_keys        = { for k, _ in local.services.alerts : k => true }
  services_unsupported = sort(flatten([for kind in ["caches", "object_stores", "alerts"] :
  [for k, c in local.bp[kind] : "${k} (${c.cloud})" if c.cloud != "aws" && !(contains(["caches", "alerts"], kind) && c.cloud == "bare_metal")]]))
}

resource "ha_cache" "this" {
  for_each = local.caches_keys

  name               = local.services.caches[each.key].name
  location           = local.services.caches[each.key].location
  component          = each.key
  blueprint          = local.services.caches[each.key].blueprint
  engine             = local.services.caches[each.key].engine
  engine_version     = local.services.caches[each.key].engine_version
  node_type          = local.services.caches[each.key].node_type
  replicas           = local.services.caches[each.key].replicas
  zones              = local.services.caches[each.key].zones
  multi_az           = local.services.caches[each.key].multi_az
  automatic_failover = local.services.caches[each.key].automatic_failover
  transit_encryption = local.services.caches[each.key].transit_encryption
  at_rest_encryption = local.services.caches[each.key].at_rest_encryption
  role               = local.services.caches[each.key].role
  primary            = local.services.caches[each.key].primary
  replication        = local.services.caches[each.key].replication
  tags               = var.tags
}

# One resource for every bucket, so that a disaster recovery that turns the
# standby's replica into the primary changes it in place; the destination's
# ARN is built from its name (the provider waits for a destination created
# in the same apply).
resource "ha_object_store" "this" {
  for_each = local.object_stores_keys

  name                = local.services.object_stores[each.key].name
  location            = local.services.object_stores[each.key].location
  component           = each.key
  blueprint           = local.services.object_stores[each.key].blueprint
  versioning          = local.services.object_stores[each.key].versioning
  encryption          = local.services.object_stores[each.key].encryption
  block_public_access = local.services.object_stores[each.key].block_public_access
  copy_to_bucket_arn  = local.services.object_stores[each.key].copy_to == "" ? null : "arn:aws:s3:::${local.bp.object_stores[local.services.object_stores[each.key].copy_to].name}"
  copy_to_location    = local.services.object_stores[each.key].copy_to == "" ? null : local.services.object_stores[each.key].copy_to_location
  force_destroy       = var.force_destroy_buckets
  tags                = var.tags
}

resource "ha_alerts" "this" {
  for_each = local.alerts_keys

  name      = local.services.alerts[each.key].name
  location  = local.services.alerts[each.key].location
  component = each.key
  blueprint = local.services.alerts[each.key].blueprint
  emails    = local.services.alerts[each.key].emails
  webhooks  = local.services.alerts[each.key].webhooks
  alarms    = local.services.alerts[each.key].alarms
  tags      = var.tags

  # Alarms resolve what they watch by name: it must exist first.
  depends_on = [ha_load_balancer.this, ha_scaling_group.this, ha_database_replica.this, ha_backup_plan.this, ha_cache.this, ha_object_store.this]
}

check "services_have_a_backend" {
  assert {
    condition     = length(local.services_unsupported) == 0
    error_message = "These caches, object stores or alerts are on a cloud this provider has no backend for yet, so they are not created: ${join(", ", local.services_unsupported)}."
  }
}

output "caches" {
  description = "Cache component key => { primary_endpoint, reader_endpoint, role }."
  value       = { for k, c in ha_cache.this : k => { primary_endpoint = c.primary_endpoint, reader_endpoint = c.reader_endpoint, role = c.role } }
}

output "object_stores" {
  description = "Object store component key => { bucket, arn, copies_to }."
  value       = { for k, b in ha_object_store.this : k => { bucket = b.name, arn = b.arn, copies_to = b.copy_to_bucket_arn } }
}

# Session stores, replicated buckets and monitoring: the cache, object_store
# and alerts components, on AWS (bare-metal caches: bare_metal_cache.tf).

locals {
  services = { for kind in ["caches", "object_stores", "alerts"] :
    kind => { for k, c in local.bp[kind] : k => c if(var.region == null || c.region == var.region) && c.cloud == "aws" }
  }
  services_unsupported = sort(flatten([for kind in ["caches", "object_stores", "alerts"] :
  [for k, c in local.bp[kind] : "${k} (${c.cloud})" if c.cloud != "aws" && !(kind == "caches" && c.cloud == "bare_metal")]]))
}

resource "ha_cache" "this" {
  for_each = local.services.caches

  name               = each.value.name
  location           = each.value.location
  component          = each.key
  blueprint          = each.value.blueprint
  engine             = each.value.engine
  engine_version     = each.value.engine_version
  node_type          = each.value.node_type
  replicas           = each.value.replicas
  zones              = each.value.zones
  multi_az           = each.value.multi_az
  automatic_failover = each.value.automatic_failover
  transit_encryption = each.value.transit_encryption
  at_rest_encryption = each.value.at_rest_encryption
  role               = each.value.role
  primary            = each.value.primary
  replication        = each.value.replication
  tags               = var.tags
}

# One resource for every bucket, so that a disaster recovery that turns the
# standby's replica into the primary changes it in place; the destination's
# ARN is built from its name (the provider waits for a destination created
# in the same apply).
resource "ha_object_store" "this" {
  for_each = local.services.object_stores

  name                = each.value.name
  location            = each.value.location
  component           = each.key
  blueprint           = each.value.blueprint
  versioning          = each.value.versioning
  encryption          = each.value.encryption
  block_public_access = each.value.block_public_access
  copy_to_bucket_arn  = each.value.copy_to == "" ? null : "arn:aws:s3:::${local.bp.object_stores[each.value.copy_to].name}"
  copy_to_location    = each.value.copy_to == "" ? null : each.value.copy_to_location
  force_destroy       = var.force_destroy_buckets
  tags                = var.tags
}

resource "ha_alerts" "this" {
  for_each = local.services.alerts

  name      = each.value.name
  location  = each.value.location
  component = each.key
  blueprint = each.value.blueprint
  emails    = each.value.emails
  webhooks  = each.value.webhooks
  alarms    = each.value.alarms
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

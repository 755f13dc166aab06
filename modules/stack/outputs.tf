output "blueprint" {
  description = "The blueprint's name."
  value       = local.bp.name
}

output "regions" {
  description = "Regions by name with their cloud, location and role (primary, standby, or lost)."
  value       = { for k, r in local.bp.regions : k => { cloud = r.cloud, location = r.location, role = r.role } }
}

output "endpoints" {
  description = "Load balancer DNS names by component key."
  value       = { for k, lb in ha_load_balancer.this : k => lb.dns_name }
}

output "dns_names" {
  description = "Each failover name with its backend, target order and worst-case detection seconds."
  value = { for k, d in ha_dns_failover.this : d.fqdn => {
    backend           = d.backend
    order             = [for t in d.target : t.name]
    detection_seconds = d.detection_seconds
  } }
}

output "database_endpoints" {
  description = "Database endpoints by component key, with each copy's role (primary or replica)."
  value = merge(
    { for k, db in ha_database.this : k => { endpoint = db.endpoint, role = "primary" } },
    { for k, r in ha_database_replica.this : k => { endpoint = r.endpoint, role = r.role } },
  )
}

output "objectives" {
  description = "RTO/RPO budget and the computed worst case (seconds) for losing the primary region."
  value = {
    rto_budget = local.bp.objectives.rto_budget
    rto        = local.bp.objectives.rto
    rpo_budget = local.bp.objectives.rpo_budget
    rpo        = local.bp.objectives.rpo
  }
}

output "recovery" {
  description = "With lost_regions: the new primary, what was promoted, restored, rebuilt and dropped, and this event's worst-case RTO/RPO in seconds."
  value       = length(var.lost_regions) == 0 ? null : local.bp.recovery
}

output "arns" {
  description = "Component key => ARN of the databases and replicas managed here (for another state's peer_arns)."
  value = merge(
    { for k, db in ha_database.this : k => db.arn },
    { for k, r in ha_database_replica.this : k => r.arn },
  )
}

output "load_balancers" {
  description = "Component key => { dns_name, zone_id } of the load balancers managed here (for another state's peer_load_balancers)."
  value       = { for k, lb in ha_load_balancer.this : k => { dns_name = lb.dns_name, zone_id = lb.zone_id } }
}

output "host_allocations" {
  description = "Bare-metal allocations by component key: members (host names) and their addresses."
  value       = { for k, a in ha_host_allocation.this : k => { members = a.members, addresses = a.addresses } }
}

output "arns" {
  description = "Component key => ARN of this region's databases and replicas; give it to the other regions' peer_arns."
  value       = module.region.arns
}

output "load_balancers" {
  description = "Component key => { dns_name, zone_id } of this region's load balancers; give it to the DNS state's peer_load_balancers."
  value       = module.region.load_balancers
}

output "endpoints" {
  description = "Load balancer DNS names by component key."
  value       = module.region.endpoints
}

output "database_endpoints" {
  description = "Database endpoints by component key, with each copy's role."
  value       = module.region.database_endpoints
}

output "objectives" {
  description = "RTO/RPO budget and computed worst case of the whole blueprint."
  value       = module.region.objectives
}

output "recovery" {
  description = "What lost_regions changed (null without a lost region)."
  value       = module.region.recovery
}

output "host_allocations" {
  description = "Bare-metal allocations of this region: members and their addresses."
  value       = module.region.host_allocations
}

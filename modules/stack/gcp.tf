# What this module builds in gcp regions: load balancers and scaling groups
# go to ha_load_balancer and ha_scaling_group (with cloud = "gcp": layer 7
# or 4 load balancers, regional managed instance groups with an autoscaler);
# databases, cross-region replicas and backup plans to ha_database,
# ha_database_replica and ha_backup_plan (Cloud SQL). DNS failover over
# GCP regions defaults to the clouddns backend, whose health-checked
# targets are the load balancers' forwarding rule addresses; PowerDNS (a
# blueprint spanning clouds) answers those same addresses for GCP regions.

locals {
  # Load balancer component key => its forwarding rule's address: what
  # Cloud DNS and PowerDNS answer for a GCP region (Route 53 aliases AWS
  # load balancers by name instead).
  gcp_lb_addresses = merge(
    { for k, a in var.peer_gcp_addresses : k => [a] },
    { for k, lb in ha_load_balancer.this : k => [lb.address] if lb.cloud == "gcp" },
  )
}

output "gcp_load_balancers" {
  description = "Component key => { address, location } of the GCP load balancers managed here (the forwarding rule's address clients connect to)."
  value       = { for k, lb in ha_load_balancer.this : k => { address = lb.address, location = lb.location } if lb.cloud == "gcp" }
}

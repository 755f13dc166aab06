# What this module builds in gcp regions. Load balancers and scaling groups
# go to ha_load_balancer and ha_scaling_group (with cloud = "gcp": layer 7
# or 4 load balancers, regional managed instance groups with an autoscaler);
# the other kinds in a gcp region are refused by the
# components_have_a_backend check in main.tf until they are listed here.

locals {
  gcp_kinds = ["load_balancers", "scaling_groups"]
}

output "gcp_load_balancers" {
  description = "Component key => { address, location } of the GCP load balancers managed here (the forwarding rule's address clients connect to)."
  value       = { for k, lb in ha_load_balancer.this : k => { address = lb.address, location = lb.location } if lb.cloud == "gcp" }
}

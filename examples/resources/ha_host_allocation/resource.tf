# Four hosts for the web tier in dc1, spread over UPS, feed, PDU and rack,
# each with at least 16 CPUs and 64 GiB; the plan fails if losing any one UPS
# or rack would leave fewer than two.
resource "ha_host_allocation" "web" {
  name       = "dc1/web"
  component  = "dc1/web/scaling_group"
  inventory  = "${path.module}/../../inventory/dc1.inventory.hcl"
  host_count = 4
  spread     = ["ups", "feed", "pdu", "rack"]
  require = {
    cpus   = 16
    memory = "64GiB"
  }
  tolerate = ["ups", "rack"]
  minimum  = 2
}

# A cache on the single-corded hosts the web tier does not hold: one per
# UPS, so that either UPS may fail.
resource "ha_host_allocation" "cache" {
  name       = "dc1/cache"
  inventory  = "${path.module}/../../inventory/dc1.inventory.hcl"
  host_count = 2
  tags       = ["single-psu"]
  tolerate   = ["ups"]
  exclude    = ha_host_allocation.web.members
}

output "web_hosts" {
  value = ha_host_allocation.web.addresses
}

output "web_blast_radius" {
  value = ha_host_allocation.web.blast_radius
}

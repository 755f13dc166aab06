# Three hosts for the web tier in dc1, spread over UPS, feed, PDU and rack,
# each with at least 16 CPUs and 64 GiB; the plan fails if losing any one UPS
# or rack would leave fewer than two.
resource "ha_host_allocation" "web" {
  name       = "dc1/web"
  component  = "dc1/web/scaling_group"
  inventory  = "${path.module}/../../inventory/dc1.inventory.hcl"
  host_count = 3
  spread     = ["ups", "feed", "pdu", "rack"]
  require = {
    cpus   = 16
    memory = "64GiB"
  }
  tolerate = ["ups", "rack"]
  minimum  = 2
}

# The database takes hosts the web tier does not hold.
resource "ha_host_allocation" "db" {
  name       = "dc1/orders"
  inventory  = "${path.module}/../../inventory/dc1.inventory.hcl"
  host_count = 2
  tags       = ["ssd"]
  exclude    = ha_host_allocation.web.members
}

output "web_hosts" {
  value = ha_host_allocation.web.addresses
}

output "web_blast_radius" {
  value = ha_host_allocation.web.blast_radius
}

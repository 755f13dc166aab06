data "ha_inventory" "dc1" {
  path = "${path.module}/../../inventory/dc1.inventory.hcl"
  variables = {
    nut_addr = "10.0.0.5:3493"
  }
}

# Hosts carrying the "ssd" tag, by name.
output "ssd_hosts" {
  value = [for name, h in data.ha_inventory.dc1.hosts : name if contains(h.tags, "ssd")]
}

# How much of each PDU's 80% budget is in use.
output "pdu_budget_used" {
  value = { for name, p in data.ha_inventory.dc1.pdus : name => p.load_watts / p.budget_watts }
}

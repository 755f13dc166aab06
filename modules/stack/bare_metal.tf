# Bare metal: a tier with a load_balancer block in a bare_metal region gets
# a virtual IP (ha_virtual_ip, keepalived) over its allocated hosts and
# HAProxy on the same hosts (ha_load_balancer, cloud = "bare_metal"), both
# delivered over SSH (the provider's bare_metal block). The hosts' power
# feeds and pinned SSH host keys come from the region's inventory.

variable "vrrp_auth_pass" {
  description = "Bare metal: VRRP authentication password of every virtual IP (up to 8 characters); null sends none."
  type        = string
  default     = null
  sensitive   = true
}

variable "vip_interface" {
  description = "Bare metal: the interface that carries the virtual IPs on every host."
  type        = string
  default     = "eth0"
}

locals {
  bm_vips = { for k, c in local.bp.virtual_ips : k => c if var.region == null || c.region == var.region }
  bm_lbs  = { for k, c in local.bp.load_balancers : k => c if c.cloud == "bare_metal" && (var.region == null || c.region == var.region) }

  # The VIP holders: the allocation's members in placement order, with
  # their feeds (UPS and PDU names, so that master and first backup share
  # none) and pinned host keys from the inventory.
  bm_hosts = { for k, c in local.bm_vips : k => [
    for m in ha_host_allocation.this[c.host_allocation].members : {
      name         = m
      address      = ha_host_allocation.this[c.host_allocation].addresses[m]
      ssh_host_key = data.ha_inventory.bare_metal[k].hosts[m].ssh_host_key != "" ? data.ha_inventory.bare_metal[k].hosts[m].ssh_host_key : null
      feeds        = concat(data.ha_inventory.bare_metal[k].hosts[m].ups, data.ha_inventory.bare_metal[k].hosts[m].pdus)
    }
  ] }
}

data "ha_inventory" "bare_metal" {
  for_each = local.bm_vips

  path      = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables = var.inventory_variables
}

resource "ha_virtual_ip" "this" {
  for_each = local.bm_vips

  name            = each.value.name
  component       = each.key
  vip             = each.value.address
  network         = each.value.network
  interface       = var.vip_interface
  advert_interval = each.value.advert_interval
  check_command   = each.value.check_command
  auth_pass       = var.vrrp_auth_pass
  hosts           = local.bm_hosts[each.key]
}

resource "ha_load_balancer" "bare_metal" {
  for_each = local.bm_lbs

  cloud           = "bare_metal"
  name            = each.value.name
  location        = each.value.location
  component       = each.key
  blueprint       = each.value.blueprint
  zones           = each.value.zones
  layer           = each.value.layer
  listeners       = each.value.listeners
  health_check    = each.value.health_check
  virtual_address = ha_virtual_ip.this[each.value.virtual_ip].vip
  hosts           = [for h in local.bm_hosts[each.value.virtual_ip] : { name = h.name, address = h.address, ssh_host_key = h.ssh_host_key }]
}

output "virtual_ips" {
  description = "Bare-metal virtual IPs by component key: address, master host, VRRP priorities and worst-case detection seconds."
  value = { for k, v in ha_virtual_ip.this : k => {
    address           = v.vip
    master            = v.master
    priorities        = v.priorities
    detection_seconds = v.detection_seconds
  } }
}

output "vip_hosts" {
  description = "Bare-metal virtual IPs by component key: their holders (name, address, ssh_host_key, feeds), as ha_vip_drill takes them."
  value       = local.bm_hosts
}

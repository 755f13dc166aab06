# Bare metal: a bare_metal region's alerts are an exporter on one host of its
# site (ha_alerts, cloud = "bare_metal"), delivered over SSH (the provider's
# bare_metal block). It polls the site's UPS units through NUT and the load
# balancers' hosts through their health checks, and posts each alarm's state
# change to the webhooks. The blueprint names the host and the
# UPS units; their addresses (the host's, and each unit's NUT address) and
# the pinned SSH host key come from the inventory, with inventory_variables.

locals {
  bm_alerts = { for k, a in local.bp.alerts : k => a if a.cloud == "bare_metal" && (var.region == null || a.region == var.region) }
  # What the exporter polls, per alarm: a UPS alarm's target is the unit's
  # inventory name, polled at its NUT address; an unhealthy-hosts alarm's is
  # the load balancer, whose health check is made against each VIP holder
  # (HAProxy's backends).
  bm_alert_targets = { for k, al in local.bm_alerts : k => { for a in al.alarms : a.name => (
    contains(["ups_on_battery", "ups_low_runtime"], a.metric) ? data.ha_inventory.bare_metal_alerts[k].ups[a.target].nut :
    a.metric == "unhealthy_hosts" ? join(",", [for h in local.bm_hosts[local.bp.load_balancers[a.component].virtual_ip] :
      "${lower(local.bp.load_balancers[a.component].health_check.protocol)}://${h.address}:${local.bp.load_balancers[a.component].health_check.port}${local.bp.load_balancers[a.component].health_check.path}"
    ]) : a.target
  ) } }
}

data "ha_inventory" "bare_metal_alerts" {
  for_each = local.bm_alerts

  path      = "${dirname(var.blueprint)}/${each.value.inventory}"
  variables = var.inventory_variables
}

resource "ha_alerts" "bare_metal" {
  for_each = local.bm_alerts

  cloud     = "bare_metal"
  name      = each.value.name
  location  = each.value.location
  component = each.key
  blueprint = each.value.blueprint
  webhooks  = each.value.webhooks
  exporter_host = {
    name         = each.value.host
    address      = data.ha_inventory.bare_metal_alerts[each.key].hosts[each.value.host].address
    ssh_host_key = data.ha_inventory.bare_metal_alerts[each.key].hosts[each.value.host].ssh_host_key != "" ? data.ha_inventory.bare_metal_alerts[each.key].hosts[each.value.host].ssh_host_key : null
  }
  alarms = [for a in each.value.alarms : merge(a, { target = local.bm_alert_targets[each.key][a.name] })]
}

output "bare_metal_alerts" {
  description = "Bare-metal alerts by component key: the host that runs the exporter and the alarms it watches (name => what it polls: a UPS's NUT address, or a load balancer's health check URLs)."
  value = { for k, a in ha_alerts.bare_metal : k => {
    exporter_host = a.exporter_host.name
    alarms        = { for al in a.alarms : al.name => al.target }
  } }
}

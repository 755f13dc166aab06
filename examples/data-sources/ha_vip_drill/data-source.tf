# Runs a virtual IP drill on every read: kill the master's keepalived,
# measure until the VIP answers from another host, start it again and
# measure the failback. Keep it in a drill configuration, never beside
# production resources. Each host serves its own name at :8080/host.
data "ha_vip_drill" "web" {
  vip     = ha_virtual_ip.web.vip
  hosts   = ha_virtual_ip.web.hosts
  mode    = "keepalived" # or "link": the master's eth0 down for link_down
  timeout = "30s"
}

output "vip_switch" {
  value = data.ha_vip_drill.web.summary
}

# Runs a failover drill on every read: stop the primary, watch the
# authoritative answer move to the standby, bring the primary back.
# Keep it in a drill configuration, never beside production resources.
data "ha_dns_drill" "www" {
  server          = "127.0.0.1:5300"
  name            = "www.example.test"
  fail_command    = "systemctl stop nginx@east"
  restore_command = "systemctl start nginx@east"
  timeout         = "30s"
}

output "switch_seconds" {
  value = data.ha_dns_drill.www.switch_seconds
}

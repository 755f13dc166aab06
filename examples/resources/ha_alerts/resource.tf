# One region's alarms, as the blueprint's alerts component lists them.
resource "ha_alerts" "east" {
  location  = "us-east-1"
  name      = "shop-east-alerts"
  component = "east/alerts/alerts"
  blueprint = "shop"
  emails    = ["ops@example.com"]
  webhooks  = ["https://hooks.example.com/ha"]
  alarms = [
    { name = "shop-east-web-unhealthy-hosts", component = "east/web/load_balancer", metric = "unhealthy_hosts", target = "shop-east-web", comparison = ">", threshold = 0, period = 60, evaluation_periods = 2 },
    { name = "shop-east-web-at-max-capacity", component = "east/web/scaling_group", metric = "at_max_capacity", target = "shop-east-web", comparison = ">=", threshold = 12, period = 60, evaluation_periods = 2 },
  ]
}

# A bare-metal site's alarms: an exporter on r1-h01 polls both UPS units
# through NUT every 10 s and posts each state change to the webhook.
resource "ha_alerts" "dc1" {
  cloud     = "bare_metal"
  location  = "dc1"
  name      = "shop-dc1-alerts"
  component = "dc1/alerts/alerts"
  blueprint = "shop"
  webhooks  = ["https://hooks.example.com/ha"]
  exporter_host = {
    name         = "r1-h01"
    address      = "10.0.2.1"
    ssh_host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMeW4n7cC0g2B3G6qS4l6yqkqVqf3Y2n3vO9r6w1y1Yx"
  }
  alarms = [
    { name = "shop-dc1-ups-a-on-battery", component = "dc1/alerts/alerts", metric = "ups_on_battery", target = "ups-a@10.0.0.5:3493", comparison = ">=", threshold = 1, period = 10, evaluation_periods = 1 },
    { name = "shop-dc1-ups-a-low-runtime", component = "dc1/alerts/alerts", metric = "ups_low_runtime", target = "ups-a@10.0.0.5:3493", comparison = "<", threshold = 540, period = 10, evaluation_periods = 1 },
  ]
}

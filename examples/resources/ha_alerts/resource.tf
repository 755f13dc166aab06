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

# Ordered failover on a self-hosted PowerDNS: www answers the east
# addresses while http://www.example.test:8080/healthz answers there,
# else the west ones. The provider's powerdns block (or HA_POWERDNS_API_URL
# and HA_POWERDNS_API_KEY) says which server.
resource "ha_dns_failover" "www" {
  backend     = "powerdns"
  fqdn        = "www.example.test"
  zone        = "example.test"
  create_zone = false # attach to the existing zone; it is left as it was on destroy
  ttl         = 5
  mode        = "failover"
  component   = "global/www/dns_failover"
  blueprint   = "shop"

  target {
    name      = "east"
    addresses = ["192.0.2.10", "192.0.2.11"]
  }
  target {
    name      = "west"
    addresses = ["198.51.100.10"]
  }

  health_check {
    protocol  = "HTTP"
    port      = 8080
    path      = "/healthz"
    interval  = 1 # match the server's lua-health-checks-interval
    threshold = 1 # PowerDNS takes an address out after one failed probe
  }
}

# Worst case before clients move: interval × threshold + TTL.
output "www_detection_seconds" {
  value = ha_dns_failover.www.detection_seconds
}

# The session store of the primary region: a Valkey primary and one replica
# in another zone, Multi-AZ with automatic failover, encrypted.
resource "ha_cache" "east" {
  location       = "us-east-1"
  name           = "shop-east-sessions"
  component      = "east/sessions/cache"
  blueprint      = "shop"
  engine         = "valkey"
  engine_version = "7.2"
  node_type      = "cache.t3.micro"
  replicas       = 1
  zones          = ["us-east-1a", "us-east-1b"]
}

# On bare metal: Redis with Sentinel on three hosts, one of each per host,
# delivered over SSH (the provider's bare_metal block). The master and its
# first replica are put on different power feeds.
variable "cache_password" {
  type      = string
  sensitive = true
}

resource "ha_cache" "dc1" {
  cloud         = "bare_metal"
  location      = "dc1"
  name          = "shop-dc1-sessions"
  component     = "dc1/sessions/cache"
  password      = var.cache_password
  down_after_ms = 3000
  hosts = [
    { name = "r1-h01", address = "10.0.2.1", feeds = ["ups-a", "pdu-a"] },
    { name = "r1-h02", address = "10.0.2.2", feeds = ["ups-b", "pdu-b"] },
    { name = "r2-h01", address = "10.0.2.3", feeds = ["ups-a", "pdu-r2-a"] },
  ]
}

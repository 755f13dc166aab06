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

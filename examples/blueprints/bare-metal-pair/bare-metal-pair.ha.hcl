# A service on two bare-metal sites, each spread across power domains.
#
# Each site runs the tier on hosts chosen from its inventory so that no two
# replicas share a UPS or a PDU; PowerDNS (LUA records) fails over from dc1
# to dc2. No database: the service keeps no state of its own.
#
# Worst case on losing dc1:
#   RTO = 5s x 3 (detection) + 30s (TTL) = 45s
#   RPO = 0 (no state)

blueprint "edge" {
  description = "Stateless service on two bare-metal sites, spread across power domains"
}

objectives {
  rto = "2m"
  rpo = "0s"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}

region "dc2" {
  cloud     = "bare_metal"
  inventory = "dc2.inventory.hcl"
}

tier "edge" {
  capacity {
    min = 2
    max = 2
  }
  require {
    cpus   = 8
    memory = "32GiB"
  }
  spread = ["ups", "pdu"]
  tags = {
    service = "edge"
  }
}

dns "edge.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.edge

  failover {
    order = [region.dc1, region.dc2]
    health_check {
      protocol  = "HTTP"
      port      = 8080
      path      = "/healthz"
      interval  = "5s"
      threshold = 3
    }
  }
}

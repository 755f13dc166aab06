# A service on two bare-metal sites, each spread across power domains.
#
# Each site runs the tier on hosts chosen from its inventory so that no two
# replicas share a UPS or a PDU; PowerDNS (LUA records) fails over from dc1
# to dc2. Its state is a PostgreSQL cluster in dc1 (Patroni, three hosts,
# synchronous: a commit waits for a standby on another host), backed up with
# pgBackRest to an encrypted repository on a host in dc2, with WAL archived
# continuously.
#
# Worst case on losing dc1 (computed, see `blueprint expand`):
#   RTO = 5s x 3 (detection) + 30s (TTL), and the database restored in dc2
#         from its pgBackRest repository: 2m + 10s/GiB x 20GiB = 5m20s;
#         6m5s in all
#   RPO = 60s (WAL archived at least every minute)

blueprint "edge" {
  description = "Stateless service on two bare-metal sites, spread across power domains"
}

objectives {
  rto = "10m"
  rpo = "1m"
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

database "sessions" {
  engine  = "postgres"
  version = "15"
  hosts   = 3
  replication {
    mode = "sync"
  }
  backup {
    schedule = "daily 03:00"
    retain   = "14d"
    copy_to  = [region.dc2]
  }
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
  uses   = [database.sessions]
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

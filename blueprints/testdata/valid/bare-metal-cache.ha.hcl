# Sessions on bare metal: Redis with Sentinel on three hosts of dc1's
# inventory, its own allocation spread over power domains; the tier uses it.
# rto = 6s lowers Sentinel's down-after from 5 s to 3 s (6 s less 3 s of
# election and promotion).
blueprint "onsite" {}

objectives {
  rto = "6s"
  rpo = "0s"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "../../../examples/inventory/dc1.inventory.hcl"
  role      = "primary"
}

tier "web" {
  uses = [cache.sessions]
  capacity {
    min = 2
    max = 2
  }
}

cache "sessions" {
  engine  = "redis"
  version = "7.0"
}

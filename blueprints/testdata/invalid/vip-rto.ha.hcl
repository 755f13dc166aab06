blueprint "viprto" {}

objectives {
  rto = "1m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "vip-dc1.inventory.hcl"
  role      = "primary"
}

# A 30s advert takes 1m31s to detect (3 adverts + skew), beyond the 1m RTO.
tier "slow" {
  capacity {
    min = 2
    max = 2
  }
  load_balancer {
    vip    = "10.9.1.60"
    advert = "30s"
  }
}

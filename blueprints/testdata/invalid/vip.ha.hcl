blueprint "vip" {}

objectives {
  rto = "1m"
}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "vip-dc1.inventory.hcl"
  role      = "primary"
}
region "dc2" {
  cloud     = "bare_metal"
  inventory = "vip-dc2.inventory.hcl"
}
region "dc3" {
  cloud     = "bare_metal"
  inventory = "vip-dc3.inventory.hcl"
}

# Outside the site's network; the map names a region the tier is not in.
tier "outside" {
  regions = [region.dc1]
  capacity {
    min = 2
    max = 2
  }
  load_balancer {
    vip = { dc1 = "10.8.0.5", dc9 = "10.9.9.9" }
  }
}

# Both hosts hang on one PDU: no pair survives it.
tier "onepdu" {
  regions = [region.dc2]
  capacity {
    min = 2
    max = 2
  }
  load_balancer {}
}

# The address is a host's.
tier "taken" {
  regions = [region.dc1]
  capacity {
    min = 2
    max = 2
  }
  load_balancer {
    vip = "10.9.1.2"
  }
}

# The pool's only address went to "onepdu".
tier "pool" {
  regions = [region.dc2]
  capacity {
    min = 2
    max = 2
  }
  load_balancer {}
}

# The site declares no network; one host cannot hold a VIP with a backup.
tier "nonet" {
  regions = [region.dc3]
  capacity {
    min = 1
    max = 1
  }
  load_balancer {
    vip = "10.9.3.50"
  }
}

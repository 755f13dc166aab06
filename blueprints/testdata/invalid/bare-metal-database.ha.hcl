blueprint "pg" {}

region "dc1" {
  cloud     = "bare_metal"
  inventory = "pg-dc1.inventory.hcl"
  role      = "primary"
}

# Two of the three hosts hang off feed A: losing it loses etcd's majority.
database "orders" {
  engine  = "postgres"
  version = "15"
  primary = "pg1-h9"
  replication {
    mode = "sync"
  }
}

database "solo" {
  engine  = "mysql"
  version = "8.0"
  hosts   = 1
  replication {
    mode = "sync"
  }
}

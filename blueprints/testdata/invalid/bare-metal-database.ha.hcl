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

# pgBackRest keeps the repository in another site: copy_to is required.
database "logs" {
  engine  = "postgres"
  version = "15"
  hosts   = 1
  replication {
    mode    = "async"
    max_lag = "10s" # bare metal: a size of WAL
  }
  backup {
    schedule = "daily 03:00"
    retain   = "7d"
  }
}

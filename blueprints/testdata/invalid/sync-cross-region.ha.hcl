blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
}
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  replication {
    mode         = "sync"
    cross_region = true
  }
}

# On a cloud, max_lag is a duration; a size of WAL is for bare metal.
database "ledger" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  replication {
    mode         = "async"
    cross_region = true
    max_lag      = "16MiB"
  }
}

# Sessions, uploads and alerts around an active/passive web tier.
blueprint "shop" {}

objectives {
  rto = "10m"
  rpo = "20m"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
}

tier "web" {
  image         = "ami-12c6146b"
  instance_type = "t3.small"
  uses          = [database.orders, cache.sessions]
  capacity {
    min = 2
    max = 6
  }
  load_balancer {}
}

database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  replication {
    cross_region = true
    max_lag      = "45s"
  }
  backup {
    schedule = "daily 03:00"
    retain   = "7d"
    copy_to  = [region.west]
  }
}

cache "sessions" {
  engine       = "valkey"
  version      = "7.2"
  node_type    = "cache.r7g.large"
  replicas     = 1
  cross_region = true
}

cache "carts" {
  engine       = "redis"
  version      = "7.1"
  node_type    = "cache.t3.micro"
  cross_region = true
}

object_store "uploads" {
  copy_to = [region.west]
}

alerts {
  email   = ["ops@example.com"]
  webhook = ["https://hooks.example.com/ha"]
}

dns "shop.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.web
}

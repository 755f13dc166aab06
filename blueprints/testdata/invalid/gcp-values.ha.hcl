blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}
region "belgium" {
  cloud    = "gcp"
  location = "europe-west1"
  zones    = ["europe-west1-b", "europe-west1-z"]
}
region "iowa" {
  cloud    = "gcp"
  location = "us-central1"
}
tier "web" {
  image         = "img"
  instance_type = { aws = "t3.small", gcp = "e2-medium" }
  regions       = [region.belgium]
  load_balancer {}
}
database "ledger" {
  engine         = "postgres"
  version        = "16"
  region         = region.belgium
  instance_class = "db.t3.medium"
}
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  replication {
    regions = [region.iowa]
  }
}
dns "web.example.com" {
  zone    = "example.com"
  to      = tier.web
  backend = "clouddns"
  failover {
    order = [region.belgium]
  }
}
dns "shop.example.com" {
  zone    = "example.com"
  to      = tier.web
  backend = "clouddns"
  failover {
    order = [region.east, region.belgium]
  }
}

blueprint "x" {}
objectives {
  rto = "2m"
  rpo = "10s"
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
  image         = "ami-1"
  instance_type = "t3.small"
  load_balancer {}
}
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  replication {
    cross_region = true
  }
}
dns "shop.example.com" {
  zone = "example.com"
  ttl  = 60
  to   = tier.web
}

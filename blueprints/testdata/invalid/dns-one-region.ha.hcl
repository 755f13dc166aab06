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
tier "web" {
  image         = "ami-1"
  instance_type = "t3.small"
  regions       = [region.east]
  load_balancer {}
}
dns "shop.example.com" {
  zone = "example.com"
  to   = tier.web
  failover {
    order = [region.east, region.west]
  }
}

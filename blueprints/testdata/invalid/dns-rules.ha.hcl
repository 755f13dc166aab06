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
}
dns "shop.example.org" {
  zone = "example.com"
  to   = tier.web
  failover {
    order = [region.west, region.east]
    health_check {
      interval  = "15s"
      threshold = 0
    }
  }
}
dns "api.example.com" {
  zone = "example.com"
  to   = region.east
}

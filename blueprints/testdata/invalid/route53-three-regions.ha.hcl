# Route 53 failover records hold one primary and one secondary: a three-region order is refused at plan.
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
region "eu" {
  cloud    = "aws"
  location = "eu-west-1"
}
tier "api" {
  image         = "ami-1"
  instance_type = "t3.small"
  load_balancer {}
}
dns "api.example.com" {
  zone = "example.com"
  to   = tier.api
  failover {
    order = [region.east, region.west, region.eu]
  }
}

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
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  backup {
    schedule = "daily"
    retain   = "7d"
    copy_to  = [region.wets]
  }
}
dns "shop.example.com" {
  zone = "example.com"
  to   = tier.api
}
tier "api" {
  image         = var.image
  instance_type = "t3.small"
  uses          = [database.order]
}
dns "www.example.com" {
  zone = "example.com"
  to   = tier.wbe
}

blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = ["us-east-1a", "us-west-2b"]
  role     = "primary"
}
region "central" {
  cloud    = "gcp"
  location = "us-east-1"
}
region "europe" {
  cloud    = "gcp"
  location = "europe-west4"
}
tier "web" {
  image         = "img"
  instance_type = "e2-medium"
  regions       = [region.east]
}
tier "api" {
  image         = "img"
  instance_type = "t3.small"
  regions       = [region.europe]
}
tier "ok" {
  image         = "img"
  instance_type = { aws = "t3.small", gcp = "e2-medium" }
  regions       = [region.east, region.europe]
}
database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db-custom-2-7680"
}

blueprint "x" {}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}
region "dc1" {
  cloud     = "bare_metal"
  inventory = "../../../examples/inventory/dc1.inventory.hcl"
}
tier "web" {
  image         = "ami-1"
  instance_type = "t3.small"
  regions       = [region.east]
  uses          = [cache.sesions]
}
cache "sessions" {
  engine    = "memcached"
  version   = "7.2"
  node_type = "db.t3.micro"
  replicas  = 0
}
cache "onsite" {
  region    = region.dc1
  engine    = "valkey"
  version   = "7.2"
  replicas  = 1
}
object_store "files" {
  region = region.dc1
}
object_store "uploads" {
  copy_to    = [region.dc1]
  versioning = false
}
alerts {
  email   = ["not-an-address"]
  webhook = ["ftp://hooks.example.com/x?token=secret"]
}

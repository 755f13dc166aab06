blueprint "bad" {}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}

tier "web" {
  image         = "ami-12c6146b"
  instance_type = "t3.small"
  capacity {
    min     = 4
    desired = 3
    max     = 2
  }
}

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
  capacity {
    min = 1
    max = 4
  }
  load_balancer {}
}

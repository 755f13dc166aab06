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
    min     = 2
    desired = 9
    max     = 4
  }
}
tier "api" {
  image         = "ami-1"
  instance_type = "t3.small"
  capacity {
    min = 5
    max = 4
  }
}

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
region "east" {
  cloud = "aws"
}
tier "web" {
  image         = "ami-1"
  instance_type = "t3.small"
  capacity {
    min = 2
    max = 4
  }
  capacity {
    min = 2
    max = 4
  }
}
objectives {
  rto = "5m"
}
objectives {
  rpo = "5m"
}

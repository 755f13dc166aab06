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
database "orders" {
  engine         = "oracle"
  version        = "16"
  instance_class = "db.t3.medium"
  storage        = "lots"
  backup {
    schedule = "sometimes"
    retain   = "7 days"
  }
}
tier "web" {
  image         = "ami-1"
  instance_type = "t3.small"
  grace_period  = "soon"
  capacity {
    min = 1.5
    max = "four"
  }
}

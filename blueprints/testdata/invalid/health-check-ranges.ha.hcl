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
  load_balancer {
    health_check {
      path      = "healthz"
      interval  = "2s"
      timeout   = "3m"
      healthy   = 11
      unhealthy = 1
    }
  }
}
tier "api" {
  image         = "ami-1"
  instance_type = "t3.small"
  load_balancer {
    health_check {
      interval = "10s"
      timeout  = "10s"
    }
  }
}

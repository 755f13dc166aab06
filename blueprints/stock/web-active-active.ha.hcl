# Web front, active/active across two AWS regions with weighted DNS.
#
# Both regions serve; Route 53 splits traffic by weight and drops a region
# whose health check fails. Sessions live in a database homed in east with
# an asynchronous replica in west, promoted when east is lost.
#
# Worst case on losing east:
#   RTO = 10s x 3 (detection) + 60s (TTL) + 300s (RDS replica promotion) = 6m30s
#   RPO = 15s (replication.max_lag)

blueprint "front" {
  description = "Web front, active/active across two AWS regions"
}

variable "image" {
  type    = string
  default = "ami-12c6146b"
}

variable "weights" {
  type = map(number)
  default = {
    east = 50
    west = 50
  }
}

objectives {
  rto = "10m"
  rpo = "30s"
}

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
  image         = var.image
  instance_type = "t3.medium"
  uses          = [database.sessions]

  capacity {
    min     = 2
    desired = 3
    max     = 10
  }

  scale_on {
    cpu_percent = 55
  }

  load_balancer {
    listener {
      port     = 80
      protocol = "HTTP"
    }
    health_check {
      path     = "/healthz"
      interval = "10s"
    }
  }
}

database "sessions" {
  engine         = "mysql"
  version        = "8.0"
  instance_class = "db.t3.medium"

  replication {
    mode    = "async"
    regions = [region.west]
    max_lag = "15s"
  }
}

dns "www.example.com" {
  zone = "example.com"
  ttl  = 60
  to   = tier.web

  weighted {
    weights = var.weights
    health_check {
      path      = "/healthz"
      interval  = "10s"
      threshold = 3
    }
  }
}

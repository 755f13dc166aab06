# Route 53 failover records hold one primary and one secondary: a three-region order is refused at plan.
# An API over a database kept in three AWS regions.
#
# The ledger database lives in us-east-1 with a read replica beside it and
# asynchronous replicas in us-west-2 and eu-west-1; hourly backups are
# copied to us-west-2. DNS fails over east -> west -> eu.
#
# Worst case on losing east:
#   RTO = 30s x 2 (detection) + 60s (TTL) + 300s (RDS replica promotion) = 7m0s
#   RPO = 30s (planned bound of async replication lag)

blueprint "ledger" {
  description = "API over a database replicated across three AWS regions"
}

variable "image" {
  type    = string
  default = "ami-12c6146b"
}

locals {
  health_path = "/health"
}

objectives {
  rto = "15m"
  rpo = "1m"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = ["us-east-1a", "us-east-1b", "us-east-1c"]
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
  zones    = ["us-west-2a", "us-west-2b"]
}

region "eu" {
  cloud    = "aws"
  location = "eu-west-1"
  zones    = ["eu-west-1a", "eu-west-1b"]
}

tier "api" {
  image         = var.image
  instance_type = "m5.large"
  uses          = [database.ledger]

  capacity {
    min = 2
    max = 6
  }

  load_balancer {
    layer = 7
    listener {
      port     = 80
      protocol = "HTTP"
    }
    health_check {
      path = local.health_path
    }
  }
}

database "ledger" {
  engine              = "postgres"
  version             = "16"
  instance_class      = "db.r6g.large"
  storage             = "500GiB"
  deletion_protection = true

  replication {
    mode         = "async"
    replicas     = 1
    cross_region = true
  }

  backup {
    schedule = "hourly"
    retain   = "14d"
    copy_to  = [region.west]
  }
}

dns "api.example.com" {
  zone = "example.com"
  ttl  = 60
  to   = tier.api

  failover {
    order = [region.east, region.west, region.eu]
    health_check {
      path      = local.health_path
      interval  = "30s"
      threshold = 2
    }
  }
}

# Web shop, active/passive across two AWS regions.
#
# Traffic goes to east; Route 53 moves it to west when east's health check
# fails. The orders database replicates asynchronously to west and is
# promoted there; daily backups are copied to west as a second line.
#
# Worst case on losing east (computed, see `blueprint expand`):
#   RTO = 10s x 3 (detection) + 30s (TTL) + 300s (RDS replica promotion) = 6m0s
#   RPO = 30s (planned bound of async replication lag)

blueprint "shop" {
  description = "Web shop, active/passive across two AWS regions"
}

variable "image" {
  type        = string
  description = "Machine image of the web tier."
  default     = "ami-12c6146b"
}

variable "web_size" {
  type    = number
  default = 2
  validation {
    condition     = var.web_size >= 2
    error_message = "The web tier needs at least two instances per region."
  }
}

objectives {
  rto = "10m"
  rpo = "1m"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = ["us-east-1a", "us-east-1b"]
  role     = "primary"
}

region "west" {
  cloud    = "aws"
  location = "us-west-2"
  zones    = ["us-west-2a", "us-west-2b"]
  role     = "standby"
}

tier "web" {
  image         = var.image
  instance_type = "t3.small"
  uses          = [database.orders]

  capacity {
    min     = var.web_size
    desired = var.web_size
    max     = 12
  }

  scale_on {
    cpu_percent = 60
  }

  load_balancer {
    layer = 7
    listener {
      port     = 80
      protocol = "HTTP"
    }
    health_check {
      path      = "/healthz"
      interval  = "10s"
      timeout   = "5s"
      healthy   = 2
      unhealthy = 3
    }
  }
}

database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  storage        = "100GiB"

  replication {
    mode         = "async"
    cross_region = true
  }

  backup {
    schedule  = "daily 03:00"
    retain    = "35d"
    copy_to   = [region.west]
    encrypted = true
  }
}

dns "shop.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.web

  failover {
    order = [region.east, region.west]
    health_check {
      path      = "/healthz"
      interval  = "10s"
      threshold = 3
    }
  }
}

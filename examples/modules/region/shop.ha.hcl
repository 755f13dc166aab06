# Quickstart: a web shop across two AWS regions (on the local AWS endpoint),
# with DNS failover on your own PowerDNS.
#
# east serves; west stands by with a replica of the orders database, its own
# load balancer and scaling group, and a copy of every backup. DNS answers
# with east while east's health check passes, else with west.

blueprint "quickstart" {
  description = "Web tier and Postgres across two AWS regions, DNS failover on PowerDNS"
}

variable "image" {
  type        = string
  description = "Machine image of the web tier (one the local AWS endpoint knows)."
  default     = "ami-12c6146b"
}

variable "web_port" {
  type        = number
  description = "Port the web tier serves and is health-checked on."
  default     = 18080
}

objectives {
  rto = "10m"
  rpo = "5m"
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
    min     = 2
    desired = 2
    max     = 4
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
      port      = var.web_port
      interval  = "10s"
      healthy   = 2
      unhealthy = 3
    }
  }
}

database "orders" {
  engine              = "postgres"
  version             = "16"
  instance_class      = "db.t3.micro"
  storage             = "20GiB"
  deletion_protection = false

  replication {
    mode         = "async"
    cross_region = true
  }

  backup {
    schedule  = "daily 03:00"
    retain    = "7d"
    copy_to   = [region.west]
    encrypted = true
  }
}

dns "www.quickstart.test" {
  zone    = "quickstart.test"
  ttl     = 5
  to      = tier.web
  backend = "powerdns"

  failover {
    order = [region.east, region.west]
    health_check {
      path      = "/healthz"
      port      = var.web_port
      interval  = "1s"
      threshold = 1
    }
  }
}

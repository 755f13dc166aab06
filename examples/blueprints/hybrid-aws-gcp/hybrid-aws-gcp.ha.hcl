# Web tier across two clouds: an AWS primary and a GCP standby.
#
# Both regions run the same tier (an Auto Scaling group behind an ALB in
# us-east-1, a managed instance group behind an HTTP load balancer in
# europe-west1); PowerDNS (the default when regions span clouds) sends
# traffic to east and moves it to belgium when east's check fails. No
# database: data does not replicate across clouds. Give each cloud its own
# database, or restore backups on the other side (see gcp-active-passive
# and web-active-passive).
#
# Worst case on losing east (computed, see `blueprint expand`):
#   RTO = 5s x 3 (detection) + 30s (TTL) = 45s
#   RPO = 0s (stateless tier)

blueprint "hybrid" {
  description = "Web tier, AWS primary and GCP standby, PowerDNS failover"
}

variable "aws_image" {
  type        = string
  description = "AMI of the web tier in the AWS region."
  default     = "ami-12c6146b"
}

variable "gcp_image" {
  type        = string
  description = "Image (or image family) of the web tier in the GCP region."
  default     = "projects/debian-cloud/global/images/family/debian-12"
}

objectives {
  rto = "2m"
  rpo = "0s"
}

region "east" {
  cloud    = "aws"
  location = "us-east-1"
  zones    = ["us-east-1a", "us-east-1b"]
  role     = "primary"
}

region "belgium" {
  cloud    = "gcp"
  location = "europe-west1"
  zones    = ["europe-west1-b", "europe-west1-c"]
  role     = "standby"
}

tier "web" {
  image         = { aws = var.aws_image, gcp = var.gcp_image }
  instance_type = { aws = "t3.small", gcp = "e2-medium" }

  capacity {
    min     = 2
    desired = 2
    max     = 8
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

dns "hybrid.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.web

  failover {
    order = [region.east, region.belgium]
    health_check {
      path      = "/healthz"
      interval  = "5s"
      threshold = 3
    }
  }
}

# Web tier, active/passive across two GCP regions (tiers only).
#
# Each region runs a regional managed instance group behind a layer 7 load
# balancer; belgium serves, netherlands stands by with the same tier. There
# is no data tier and no DNS name: put a DNS failover in front (or use
# gcp-active-passive) to move traffic.
#
# Worst case on losing belgium: no DNS step and no database to recover, so
# the computed RTO and RPO are 0s; traffic moves when clients are pointed
# at netherlands' load balancer.

blueprint "gweb" {
  description = "Web tier, active/passive across two GCP regions"
}

variable "image" {
  type        = string
  description = "Machine image of the web tier (a GCP image or image family)."
  default     = "projects/debian-cloud/global/images/family/debian-12"
}

region "belgium" {
  cloud    = "gcp"
  location = "europe-west1"
  zones    = ["europe-west1-b", "europe-west1-c"]
  role     = "primary"
}

region "netherlands" {
  cloud    = "gcp"
  location = "europe-west4"
  zones    = ["europe-west4-a", "europe-west4-b"]
  role     = "standby"
}

tier "web" {
  image         = var.image
  instance_type = "e2-medium"

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

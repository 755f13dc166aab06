# Web shop, active/passive across two GCP regions.
#
# Traffic goes to belgium; Cloud DNS moves it to netherlands when belgium's
# health check fails. The orders database (Cloud SQL for PostgreSQL)
# replicates asynchronously to netherlands and is promoted there; daily
# backups are copied to netherlands as a second line.
#
# Worst case on losing belgium (computed, see `blueprint expand`):
#   RTO = 10s x 3 (detection) + 30s (TTL) + 300s (Cloud SQL replica promotion) = 6m0s
#   RPO = 30s (planned bound of async replication lag)

blueprint "gshop" {
  description = "Web shop, active/passive across two GCP regions"
}

variable "image" {
  type        = string
  description = "Machine image of the web tier (a GCP image or image family)."
  default     = "projects/debian-cloud/global/images/family/debian-12"
}

objectives {
  rto = "10m"
  rpo = "1m"
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
  uses          = [database.orders]

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

database "orders" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db-custom-2-7680"
  storage        = "100GiB"

  replication {
    mode         = "async"
    cross_region = true
  }

  backup {
    schedule = "daily 03:00"
    retain   = "35d"
    copy_to  = [region.netherlands]
  }
}

dns "gshop.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.web

  failover {
    order = [region.belgium, region.netherlands]
    health_check {
      path      = "/healthz"
      interval  = "10s"
      threshold = 3
    }
  }
}

# AWS primary, GCP standby, a bare-metal site; per-cloud values as maps.
blueprint "mixed" {}

objectives {
  rto = "3h"
  rpo = "1d"
}

region "aws1" {
  cloud    = "aws"
  location = "eu-central-1"
  zones    = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  role     = "primary"
}

region "aws2" {
  cloud    = "aws"
  location = "eu-west-1"
}

region "gcp1" {
  cloud    = "gcp"
  location = "europe-west4"
}

region "dc" {
  cloud     = "bare_metal"
  inventory = "../../stock/dc1.inventory.hcl"
}

tier "web" {
  regions       = [region.aws1, region.gcp1, region.dc]
  image         = { aws = "ami-12c6146b", gcp = "debian-12" }
  instance_type = { aws = "t3.small", gcp = "e2-medium" }
  spread        = ["zone", "ups"]
  tolerate      = ["pdu"]
  uses          = [database.main]
  require {
    cpus   = 4
    memory = "16GiB"
  }
  capacity {
    min = 2
    max = 4
  }
  load_balancer {
    listener {
      port     = 443
      protocol = "HTTPS"
    }
    health_check {
      protocol = "HTTPS"
      path     = "/up"
      matcher  = "200-299"
    }
  }
}

database "main" {
  engine         = "mysql"
  version        = "8.0"
  instance_class = "db.m6g.large"
  storage        = "1TiB"
  multi_az       = false

  replication {
    replicas = 2
  }

  backup {
    schedule = "cron(30 */4 * * ? *)"
    retain   = "90d"
    copy_to  = [region.aws2]
  }
}

database "analytics" {
  region         = region.gcp1
  engine         = "postgres"
  version        = "15"
  instance_class = "db-custom-2-7680"
}

dns "www.example.net" {
  zone = "example.net"
  ttl  = 120
  to   = tier.web
  failover {
    order = ["aws1", "gcp1", "dc"]
    health_check {
      interval  = "20s"
      threshold = 2
    }
  }
}

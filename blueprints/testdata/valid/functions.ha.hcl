# Variables, locals and the function library.
blueprint "fn" {
  description = "${trimspace(file("description.txt"))} Owner: ${local.owner}."
}

variable "regions" {
  type = map(object({
    location = string
    primary  = optional(bool, false)
  }))
  default = {
    east = { location = "us-east-1", primary = true }
    west = { location = "us-west-2" }
  }
}

variable "sizes" {
  type    = list(number)
  default = [2, 3, 8]
}

locals {
  path     = "/${lower("HEALTH")}"
  min_size = min(var.sizes...)
  max_size = max(var.sizes...)
  owner    = templatefile("owner.tpl", { team = "Payments", n = local.min_size })
}

region "east" {
  cloud    = "aws"
  location = var.regions.east.location
  role     = var.regions.east.primary ? "primary" : "standby"
}

region "west" {
  cloud    = "aws"
  location = var.regions["west"].location
  role     = try(var.regions.west.primary ? "primary" : "standby", "standby")
}

tier "api" {
  image         = format("ami-%s", substr("12c6146bffff", 0, 8))
  instance_type = "t3.small"
  capacity {
    min     = local.min_size
    desired = var.sizes[1]
    max     = local.max_size
  }
  tags = {
    owner = local.owner
  }
  load_balancer {
    layer = 4
    listener {
      port = 5432
    }
    health_check {
      protocol = "TCP"
      interval = 10
      timeout  = 5
    }
  }
}

tier "worker" {
  image                 = "ami-12c6146b"
  instance_type         = "c6g.xlarge"
  allow_single_instance = true
  capacity {
    min = 1
    max = 1
  }
  load_balancer {}
}

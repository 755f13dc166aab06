# provider::ha::blueprint returns what data "ha_blueprint" does, as one
# object, during any expression (Terraform 1.8 or later).
terraform {
  required_version = ">= 1.8"
  required_providers {
    ha = { source = "ha-blueprints/ha" }
  }
}

locals {
  shop = provider::ha::blueprint("${path.module}/../../blueprints/web-active-passive/web-active-passive.ha.hcl", {
    image = "ami-12c6146b"
  })
}

output "replicas" {
  value = { for key, r in local.shop.database_replicas : key => r.source }
}

output "rpo_seconds" {
  value = local.shop.objectives.rpo
}

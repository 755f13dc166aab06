# One state per region: this configuration manages the standby region
# (west) of the quickstart blueprint (examples/quickstart/quickstart.ha.hcl). The primary's state exports its
# database ARNs; read them here with terraform_remote_state in practice.
terraform {
  required_providers {
    ha = {
      source = "ha-blueprints/ha"
    }
  }
}

provider "ha" {}

variable "database_password" {
  type      = string
  sensitive = true
}

variable "east_arns" {
  description = "The east state's `arns` output (component key => ARN)."
  type        = map(string)
}

variable "east_load_balancers" {
  description = "The east state's `load_balancers` output."
  type = map(object({
    dns_name = string
    zone_id  = string
  }))
}

module "west" {
  source = "../../../modules/region"

  blueprint           = "${path.module}/../../quickstart/quickstart.ha.hcl"
  region              = "west"
  database_password   = var.database_password
  peer_arns           = var.east_arns
  peer_load_balancers = var.east_load_balancers
  manage_dns          = true
  dns_addresses = {
    east = ["127.0.0.2"]
    west = ["127.0.0.3"]
  }
}

output "arns" {
  value = module.west.arns
}

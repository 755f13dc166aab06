# The quickstart: one blueprint through modules/stack. `make demo` applies it
# on the local services; every setting of the provider comes from the HA_*
# environment that `make services-up` writes to .services/env.
terraform {
  required_providers {
    ha = {
      source = "ha-blueprints/ha"
    }
  }
}

provider "ha" {
  aws {
    # After a disaster, the lost region's location: no call is made to it.
    lost_locations = var.lost_locations
  }
}

variable "lost_locations" {
  description = "AWS locations of the lost regions, e.g. [\"us-east-1\"]: the provider makes no call to them."
  type        = list(string)
  default     = []
}

variable "database_password" {
  description = "Master password of the orders database."
  type        = string
  sensitive   = true
  default     = "quickstart-only-password"
}

variable "dns_addresses" {
  description = "Addresses that stand in for each region's web tier in DNS (the local AWS endpoint's load balancers have no addresses)."
  type        = map(list(string))
  default = {
    east = ["127.0.0.2"]
    west = ["127.0.0.3"]
  }
}

variable "web_port" {
  description = "Port the stand-ins serve /healthz on."
  type        = number
  default     = 18080
}

variable "lost_regions" {
  description = "Regions lost in a disaster, e.g. [\"east\"]."
  type        = list(string)
  default     = []
}

variable "primary_region" {
  description = "Fail back: the rebuilt region to serve from again, e.g. \"east\" (keep lost_regions and replacements)."
  type        = string
  default     = null
}

variable "replacements" {
  description = "Lost region => location to rebuild it in, e.g. { east = \"us-east-2\" }."
  type        = map(string)
  default     = {}
}

module "stack" {
  source = "../../modules/stack"

  blueprint           = "${path.module}/quickstart.ha.hcl"
  variables           = { web_port = var.web_port }
  database_password   = var.database_password
  skip_final_snapshot = true
  dns_addresses       = var.dns_addresses
  create_dns_zones    = true
  lost_regions        = var.lost_regions
  replacements        = var.replacements
  primary_region      = var.primary_region
}

output "regions" {
  value = module.stack.regions
}

output "endpoints" {
  value = module.stack.endpoints
}

output "dns_names" {
  value = module.stack.dns_names
}

output "database_endpoints" {
  value = module.stack.database_endpoints
}

output "objectives" {
  value = module.stack.objectives
}

output "recovery" {
  value = module.stack.recovery
}

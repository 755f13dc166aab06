# One region of a blueprint, for teams that keep one state per region: the
# same component resources as modules/stack, filtered to `region`. What
# another region's state manages arrives through peer_arns and
# peer_load_balancers (from that state's outputs).
module "region" {
  source = "../stack"

  blueprint           = var.blueprint
  variables           = var.variables
  region              = var.region
  manage_dns          = var.manage_dns
  peer_arns           = var.peer_arns
  peer_load_balancers = var.peer_load_balancers
  lost_regions        = var.lost_regions
  replacements        = var.replacements
  primary_region      = var.primary_region
  database_username   = var.database_username
  database_password   = var.database_password
  skip_final_snapshot = var.skip_final_snapshot
  dns_addresses       = var.dns_addresses
  create_dns_zones    = var.create_dns_zones
  tags                = var.tags
  inventory_variables = var.inventory_variables
  exclude_on_battery  = var.exclude_on_battery
}

# A read replica of ha_database.orders in another region. To fail over,
# set promote = true: one apply promotes it and applies the backup settings.
resource "ha_database_replica" "orders_west" {
  location   = "us-west-2"
  name       = "shop-west-orders"
  component  = "west/orders/replica"
  blueprint  = "shop"
  source_arn = ha_database.orders.arn

  instance_class = "db.t3.medium"
  promote        = false

  # Applied when promoted (RDS refuses backup settings on a replica).
  backup_retention_period = 7
  backup_window           = "03:00-04:00"
}

output "orders_west_role" {
  value = ha_database_replica.orders_west.role # "replica", then "primary"
}

variable "orders_db_password" {
  type      = string
  sensitive = true
}

resource "ha_database" "orders" {
  location       = "us-east-1"
  name           = "shop-east-orders"
  component      = "east/orders/database"
  blueprint      = "shop"
  engine         = "postgres"
  engine_version = "16.3"
  instance_class = "db.t3.medium"
  username       = "orders"
  password       = var.orders_db_password

  # Defaults shown for clarity.
  allocated_storage       = 20
  multi_az                = true
  storage_encrypted       = true
  deletion_protection     = true
  backup_retention_period = 7

  tags = { team = "orders" }

  timeouts = {
    create = "60m"
    delete = "60m"
  }
}

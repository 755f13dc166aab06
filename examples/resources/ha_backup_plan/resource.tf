resource "ha_backup_plan" "orders" {
  location         = "us-east-1"
  name             = "shop-east-orders-backup"
  component        = "east/orders/backup_plan"
  blueprint        = "shop"
  schedule         = "cron(0 3 * * ? *)"
  retention_days   = 35
  copy_to_location = "us-west-2"
  encrypted        = true # KMS keys are created in both regions unless kms_key_arn is given

  resource_arns  = [ha_database.orders.arn]
  selection_tags = { backup = "daily" }

  # Change to take a fresh DB snapshot and copy it to us-west-2.
  snapshot_trigger = "2026-11-22"
}

output "orders_restore_from" {
  value = ha_backup_plan.orders.latest_copy_arn
}

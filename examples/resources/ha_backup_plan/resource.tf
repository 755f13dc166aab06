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

# Bare metal: pgBackRest for a Patroni database (ha_database with cloud =
# "bare_metal"), its encrypted repository on a host of the other site.
variable "backup_passphrase" {
  type      = string
  sensitive = true
}

resource "ha_backup_plan" "sessions" {
  cloud            = "bare_metal"
  location         = "dc1"
  name             = "edge-dc1-sessions"
  component        = "dc1/sessions/backup_plan"
  schedule         = "cron(0 3 * * ? *)"
  retention_days   = 14
  copy_to_location = "dc2"
  start_backup_now = true

  stanza         = "edge-dc1-sessions" # the database's name
  database_hosts = [for h in ha_database.sessions.hosts : { name = h.name, address = h.address, ssh_host_key = h.ssh_host_key }]
  repository_host = {
    name    = "r1-h04"
    address = "10.2.2.4"
  }
  passphrase = var.backup_passphrase # keep it outside the state too: without it nothing restores
}

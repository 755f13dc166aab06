# A failover drill of a bare-metal database (Patroni), read on every plan:
# the writer commits through the leader the REST APIs name, the leader's
# postgres is killed over SSH, and the drill reports the RTO and how many
# acknowledged writes the new leader lacks (0 expected in sync mode).
data "ha_database_drill" "db" {
  patroni         = ["10.0.2.11:8008", "10.0.2.12:8008", "10.0.3.11:8008"]
  password        = var.db_password
  kill_command    = "ssh root@{leader} pkill -9 -x postgres"
  require_no_loss = true
}

variable "db_password" {
  type      = string
  sensitive = true
}

output "database_rto_seconds" {
  value = data.ha_database_drill.db.rto_seconds
}

output "database_lost_writes" {
  value = data.ha_database_drill.db.lost
}

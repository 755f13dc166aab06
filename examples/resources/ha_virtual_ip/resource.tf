# A virtual IP over three hosts in two racks. keepalived.conf is delivered
# over SSH (provider block `bare_metal`); the master and its first backup
# are chosen so that they share as few power feeds as possible.
resource "ha_virtual_ip" "web" {
  name          = "shop-dc1-web"
  vip           = "10.0.2.100"
  network       = "10.0.2.0/24"
  auth_pass     = var.vrrp_password
  check_command = "/usr/bin/curl -sf -m 1 -o /dev/null http://127.0.0.1/healthz"
  hosts = [
    { name = "r1-h01", address = "10.0.2.1", ssh_host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", feeds = ["pdu-r1-a", "pdu-r1-b"] },
    { name = "r1-h02", address = "10.0.2.2", feeds = ["pdu-r1-a", "pdu-r1-b"] },
    { name = "r2-h01", address = "10.0.2.3", feeds = ["pdu-r2-a", "pdu-r2-b"] },
  ]
}

variable "vrrp_password" {
  type      = string
  sensitive = true
}

output "vip_master" {
  value = ha_virtual_ip.web.master
}

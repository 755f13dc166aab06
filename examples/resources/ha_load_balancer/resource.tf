# An application load balancer in us-east-1 across two zones, placed in the
# region's default VPC. In a blueprint deployment, modules/stack passes the
# component maps of data.ha_blueprint here with for_each.
resource "ha_load_balancer" "web_east" {
  name      = "shop-east-web"
  location  = "us-east-1"
  blueprint = "shop"
  component = "east/web/load_balancer"
  zones     = ["us-east-1a", "us-east-1b"]
  layer     = 7

  listeners = [
    { port = 80, protocol = "HTTP" },
  ]

  health_check = {
    protocol            = "HTTP"
    port                = 8080 # the port instances serve on
    path                = "/healthz"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
    matcher             = "200-299"
  }

  tags = {
    team = "web"
  }

  timeouts {
    create = "10m"
    delete = "10m"
  }
}

# On bare metal: HAProxy on the tier's hosts, listening on the tier's
# virtual IP (ha_virtual_ip), with the same hosts as its servers.
resource "ha_load_balancer" "web_dc1" {
  cloud           = "bare_metal"
  name            = "shop-dc1-web"
  location        = "dc1"
  component       = "dc1/web/load_balancer"
  zones           = ["dc1"]
  layer           = 7
  virtual_address = "10.0.2.100"
  hosts = [
    { name = "r1-h01", address = "10.0.2.1" },
    { name = "r2-h01", address = "10.0.3.1", ssh_host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly" },
  ]

  listeners = [
    { port = 80, protocol = "HTTP" },
  ]

  health_check = {
    protocol            = "HTTP"
    port                = 8080
    path                = "/healthz"
    interval            = 5
    timeout             = 2
    healthy_threshold   = 2
    unhealthy_threshold = 2
    matcher             = "200"
  }
}

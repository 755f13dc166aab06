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

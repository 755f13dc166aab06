# Instances behind the load balancer of examples/resources/ha_load_balancer.
# A new image or instance type rolls the instances, keeping 50 % of the
# desired capacity in service, and apply returns once every instance runs
# the new launch template version.
resource "ha_scaling_group" "web_east" {
  name          = "shop-east-web"
  location      = "us-east-1"
  blueprint     = "shop"
  component     = "east/web/scaling_group"
  load_balancer = "east/web/load_balancer"
  zones         = ["us-east-1a", "us-east-1b"]

  # An AMI id; ami-03cf127a is one that the local AWS endpoint (moto) ships.
  image         = "ami-03cf127a"
  instance_type = "t3.small"

  min_size         = 2
  desired_capacity = 3
  max_size         = 12

  cpu_target                = 60
  health_check_grace_period = 120
  min_healthy_percentage    = 50

  target_group_arn = ha_load_balancer.web_east.target_group_arn

  timeouts {
    update = "30m" # rolls can take a while on AWS
  }
}

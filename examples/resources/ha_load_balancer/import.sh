# By ARN (the location is taken from it)...
terraform import ha_load_balancer.web_east arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop-east-web/50dc6c495c0c9188

# ...or by LOCATION/NAME.
terraform import ha_load_balancer.web_east us-east-1/shop-east-web

# On bare metal, by CLOUD/LOCATION/NAME; the next apply takes the hosts from
# configuration (files that are already right are not rewritten).
terraform import ha_load_balancer.web_dc1 bare_metal/dc1/shop-dc1-web

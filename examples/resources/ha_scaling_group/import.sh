# By LOCATION/NAME...
terraform import ha_scaling_group.web_east us-east-1/shop-east-web

# ...or by the Auto Scaling group ARN.
terraform import ha_scaling_group.web_east arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:9dbbbf87-6141-428a-a409-0752edbe6cad:autoScalingGroupName/shop-east-web

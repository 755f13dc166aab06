# LOCATION/NAME of the notification topic.
terraform import ha_alerts.east us-east-1/shop-east-alerts
# bare_metal/SITE/NAME of a bare-metal site's exporter; the next apply takes
# its host from configuration.
terraform import ha_alerts.dc1 bare_metal/dc1/shop-dc1-alerts

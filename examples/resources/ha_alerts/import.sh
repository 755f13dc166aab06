# LOCATION/NAME of the notification topic.
terraform import ha_alerts.east us-east-1/shop-east-alerts

# By instance ARN, by LOCATION/NAME (aws), or by CLOUD/LOCATION/NAME. The
# password cannot be read back: keep it in the configuration.
terraform import ha_database.orders arn:aws:rds:us-east-1:123456789012:db:shop-east-orders
terraform import ha_database.orders us-east-1/shop-east-orders
terraform import ha_database.orders gcp/europe-west1/shop-eu-orders

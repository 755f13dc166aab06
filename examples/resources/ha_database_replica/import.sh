# By instance ARN, by LOCATION/NAME (aws), or by CLOUD/LOCATION/NAME.
terraform import ha_database_replica.orders_west arn:aws:rds:us-west-2:123456789012:db:shop-west-orders
terraform import ha_database_replica.orders_west us-west-2/shop-west-orders
terraform import ha_database_replica.orders_west gcp/us-east1/shop-us-orders

# By instance ARN, or by LOCATION/NAME.
terraform import ha_database_replica.orders_west arn:aws:rds:us-west-2:123456789012:db:shop-west-orders
terraform import ha_database_replica.orders_west us-west-2/shop-west-orders

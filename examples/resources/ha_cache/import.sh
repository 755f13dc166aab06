# LOCATION/NAME of the replication group.
terraform import ha_cache.east us-east-1/shop-east-sessions

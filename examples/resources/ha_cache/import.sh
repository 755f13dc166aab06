# LOCATION/NAME of the replication group.
terraform import ha_cache.east us-east-1/shop-east-sessions
# bare_metal/SITE/NAME of a bare-metal group; the next apply takes the hosts
# from configuration.
terraform import ha_cache.dc1 bare_metal/dc1/shop-dc1-sessions

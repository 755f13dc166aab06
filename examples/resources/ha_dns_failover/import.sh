# BACKEND/ZONE/FQDN[/RECORD_TYPE]; the record type defaults to A.
terraform import ha_dns_failover.www powerdns/example.test/www.example.test/A

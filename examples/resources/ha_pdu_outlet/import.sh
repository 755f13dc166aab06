# ADDRESS/OUTLET; the community comes from the provider's snmp block.
terraform import ha_pdu_outlet.r1_h05_psu1 10.0.1.11:161/5

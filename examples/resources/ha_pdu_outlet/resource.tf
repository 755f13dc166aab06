# Outlet 5 of an APC switched rack PDU: on; bump the trigger to power-cycle.
resource "ha_pdu_outlet" "r1_h05_psu1" {
  address = "10.0.1.11:161"
  outlet  = 5
  state   = "on"
  reboot_triggers = {
    reason = "firmware update 2026-11"
  }
}

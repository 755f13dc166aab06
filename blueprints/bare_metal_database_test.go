package blueprints

import "testing"

// On bare metal, max_lag is a size of WAL: it reaches the database
// component as bytes (Patroni's maximum_lag_on_failover).
func TestBareMetalDatabase_maxLagIsWAL(t *testing.T) {
	src := `blueprint "edge" {}
region "dc1" {
  cloud     = "bare_metal"
  inventory = "dc1.inventory.hcl"
  role      = "primary"
}
database "sessions" {
  engine  = "postgres"
  version = "15"
  replication {
    mode    = "async"
    max_lag = "16MiB"
  }
}
`
	res, diags := Compile("stock/maxlag.ha.hcl", []byte(src), Options{})
	if diags.HasErrors() {
		t.Fatal(summaries(diags))
	}
	db := find(t, res, "dc1/sessions/database")
	if db.Database.MaxLagBytes != 16<<20 || db.Database.MultiAZ {
		t.Errorf("database %+v: want max_lag_bytes 16777216, async", db.Database)
	}
}

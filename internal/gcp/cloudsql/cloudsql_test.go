package cloudsql

import (
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/internal/backend"
	"github.com/ha-blueprints/terraform-provider-ha/internal/database"
)

func TestDatabaseVersion(t *testing.T) {
	for _, tc := range []struct{ engine, version, want string }{
		{"postgres", "", "POSTGRES_16"},
		{"postgres", "15.4", "POSTGRES_15"},
		{"mysql", "8.0", "MYSQL_8_0"},
		{"mysql", "8", "MYSQL_8_0"},
	} {
		got, err := databaseVersion(tc.engine, tc.version)
		if err != nil || got != tc.want {
			t.Errorf("%s %s: got %q, %v; want %q", tc.engine, tc.version, got, err, tc.want)
		}
		if e, _ := engineOf(got); e != tc.engine {
			t.Errorf("engineOf(%s) = %s", got, e)
		}
	}
	if _, err := databaseVersion("oracle", ""); err == nil {
		t.Error("an engine Cloud SQL does not have here must be refused")
	}
}

func TestTierRefusesOtherClouds(t *testing.T) {
	if err := checkTier("db-custom-2-7680"); err != nil {
		t.Error(err)
	}
	if err := checkTier("db.t3.micro"); err == nil {
		t.Error("an RDS instance class is not a Cloud SQL tier")
	}
}

func TestSettingsHighAvailabilityAndBackups(t *testing.T) {
	s := database.Spec{Meta: backend.Meta{Name: "db", Component: "east/db"}, Engine: "postgres", HighAvailability: true, BackupRetention: 7, BackupWindow: "03:00-04:00", DeletionProtection: true}
	st := settings(s)
	if st.AvailabilityType != "REGIONAL" || st.Tier != "db-custom-2-7680" || !st.DeletionProtectionEnabled {
		t.Errorf("settings: %+v", st)
	}
	b := st.BackupConfiguration
	if !b.Enabled || !b.PointInTimeRecoveryEnabled || b.StartTime != "03:00" || b.BackupRetentionSettings.RetainedBackups != 7 {
		t.Errorf("backups: %+v", b)
	}
	if st.MaintenanceWindow.Hour != 5 {
		t.Errorf("maintenance must not overlap the backup window: hour %d", st.MaintenanceWindow.Hour)
	}
	if st.UserLabels["ha-component"] != "east_0db" {
		t.Errorf("labels: %v", st.UserLabels)
	}
	my := backupConfig("mysql", 3, "", "")
	if !my.BinaryLogEnabled || my.PointInTimeRecoveryEnabled {
		t.Errorf("mysql point-in-time recovery is the binary log: %+v", my)
	}
}

func TestSourceName(t *testing.T) {
	for in, want := range map[string]string{"p:us-east1:db": "db", "projects/p/instances/db": "db", "db": "db"} {
		if got := sourceName(in); got != want {
			t.Errorf("sourceName(%q) = %q", in, got)
		}
	}
}

func TestSchedule(t *testing.T) {
	got, err := startTime("cron(30 3 * * ? *)")
	if err != nil || got != "03:30" || scheduleOf(got) != "cron(30 3 * * ? *)" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := startTime("cron(0 */4 * * ? *)"); err == nil {
		t.Error("Cloud SQL backs up daily: a 4-hourly schedule must be refused")
	}
}

// Component keys go into a label and come back on import, since labels
// cannot hold "/", "." or capitals; what cannot be spelled or was clipped
// does not come back.
func TestKeyLabelReadsBack(t *testing.T) {
	for _, key := range []string{"east/orders/database", "global/api.example.com/dns_failover", "West-2/Orders_DB/database_replica", ""} {
		v := keyLabel(key)
		if labelRE.MatchString(v) || len(v) > 63 {
			t.Errorf("%q -> %q: not a label value", key, v)
		}
		if got, ok := labelKey(v); !ok || got != key {
			t.Errorf("%q -> %q -> %q, %v", key, v, got, ok)
		}
	}
	for _, key := range []string{"east/ørders/database", strings.Repeat("long/", 20)} {
		if got, ok := labelKey(keyLabel(key)); ok {
			t.Errorf("%q read back as %q", key, got)
		}
	}
	if _, ok := labelKey("east_"); ok {
		t.Error(`"east_" read back`)
	}
}

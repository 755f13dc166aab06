package provider

import "testing"

func TestParseDBImportID(t *testing.T) {
	for id, want := range map[string][2]string{
		"arn:aws:rds:us-west-2:123456789012:db:orders": {"us-west-2", "orders"},
		"us-east-1/orders": {"us-east-1", "orders"},
	} {
		loc, name, err := parseDBImportID(id)
		if err != nil || loc != want[0] || name != want[1] {
			t.Errorf("%s: got %q %q %v", id, loc, name, err)
		}
	}
	for _, bad := range []string{"orders", "/orders", "us-east-1/", "arn:aws:rds:us-east-1:1:snapshot:s"} {
		if _, _, err := parseDBImportID(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

package provider

import "testing"

func TestParseDBImportID(t *testing.T) {
	for id, want := range map[string][3]string{
		"arn:aws:rds:us-west-2:123456789012:db:orders": {"aws", "us-west-2", "orders"},
		"us-east-1/orders":        {"aws", "us-east-1", "orders"},
		"gcp/europe-west1/orders": {"gcp", "europe-west1", "orders"},
	} {
		cloud, loc, name, err := parseDBImportID(id)
		if err != nil || [3]string{string(cloud), loc, name} != want {
			t.Errorf("%s: got %q %q %q %v", id, cloud, loc, name, err)
		}
	}
	for _, bad := range []string{"orders", "/orders", "us-east-1/", "arn:aws:rds:us-east-1:1:snapshot:s", "azure/x/orders"} {
		if _, _, _, err := parseDBImportID(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

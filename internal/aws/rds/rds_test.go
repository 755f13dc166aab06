package rds

import "testing"

func TestParseARN(t *testing.T) {
	region, kind, name, err := ParseARN("arn:aws:rds:us-west-2:123456789012:db:orders")
	if err != nil || region != "us-west-2" || kind != "db" || name != "orders" {
		t.Fatalf("got %q %q %q %v", region, kind, name, err)
	}
	if _, _, _, err := ParseARN("arn:aws:backup:us-east-1:1:backup-plan:x"); err == nil {
		t.Error("a backup ARN parsed as RDS")
	}
	if _, _, _, err := ParseARN("orders"); err == nil {
		t.Error("a bare name parsed as an ARN")
	}
}

// A replica this provider promoted is a primary even where the endpoint
// keeps reporting the old source (moto 5.2.1); an untagged one is a replica.
func TestIsReplica(t *testing.T) {
	src := "arn:aws:rds:us-east-1:123456789012:db:orders"
	cases := []struct {
		name string
		i    Instance
		want bool
	}{
		{"primary", Instance{}, false},
		{"replica", Instance{SourceARN: src, Tags: map[string]string{}}, true},
		{"promoted, stale source", Instance{SourceARN: src, Tags: map[string]string{TagPromotedFrom: src}}, false},
		{"promoted, same-region identifier", Instance{SourceARN: "orders", Tags: map[string]string{TagPromotedFrom: src}}, false},
		{"promoted from another, replicating again", Instance{SourceARN: src, Tags: map[string]string{TagPromotedFrom: "arn:aws:rds:us-east-1:123456789012:db:other"}}, true},
	}
	for _, c := range cases {
		if got := c.i.IsReplica(); got != c.want {
			t.Errorf("%s: IsReplica = %v, want %v", c.name, got, c.want)
		}
	}
}

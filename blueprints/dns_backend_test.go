package blueprints

import (
	"strings"
	"testing"
)

func TestDNSBackend_explicit(t *testing.T) {
	dns := func(backend string) string {
		return twoRegions + `
tier "app" {
  image         = var.image
  instance_type = "t3.small"
  capacity {
    min = 2
    max = 4
  }
  load_balancer {
    listener {
      port     = 80
      protocol = "HTTP"
    }
  }
}
dns "www.example.test" {
  zone    = "example.test"
  to      = tier.app
  ` + backend + `
  failover {
    order = [region.east, region.west]
    health_check {
      interval  = "2s"
      threshold = 2
    }
  }
}
`
	}
	opts := Options{RawVariables: map[string]string{"image": "ami-1"}}
	// Every region is AWS, so the default is Route 53, whose checks run every 10s or 30s.
	if _, diags := Compile("t.ha.hcl", []byte(dns("")), opts); !strings.Contains(summaries(diags), "Health check interval not supported") {
		t.Fatalf("default backend: %s", summaries(diags))
	}
	res, diags := Compile("t.ha.hcl", []byte(dns(`backend = "powerdns"`)), opts)
	if diags.HasErrors() {
		t.Fatalf("powerdns: %s", summaries(diags))
	}
	if got := find(t, res, "global/www.example.test/dns_failover").DNSFailover.Backend; got != "powerdns" {
		t.Errorf("backend %q", got)
	}
	_, diags = Compile("t.ha.hcl", []byte(dns(`backend = "bind"`)), opts)
	if !diags.HasErrors() || diags[0].Subject == nil || diags[0].Subject.Start.Line < 30 {
		t.Fatalf("bad backend not reported at its line: %v", diags)
	}
}

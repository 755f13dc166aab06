package blueprints

import (
	"fmt"
	"strings"
	"testing"
)

var benchLocations = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1",
	"eu-west-2", "eu-central-1", "ap-southeast-1", "ap-northeast-1", "sa-east-1",
}

// genBlueprint writes a blueprint over 10 AWS regions with tiers tiers (each
// a load balancer and scaling group per region, and a DNS name) and dbs
// databases (each with a replica in every other region and a backup plan):
// 21 components per tier and 11 per database.
func genBlueprint(tiers, dbs int) []byte {
	var b strings.Builder
	b.WriteString("blueprint \"bench\" {}\n\nvariable \"image\" {\n  default = \"ami-12c6146b\"\n}\n\nobjectives {\n  rto = \"1h\"\n  rpo = \"1h\"\n}\n\n")
	for i, loc := range benchLocations {
		role := "standby"
		if i == 0 {
			role = "primary"
		}
		fmt.Fprintf(&b, "region \"r%d\" {\n  cloud    = \"aws\"\n  location = %q\n  zones    = [\"%sa\", \"%sb\"]\n  role     = %q\n}\n\n", i, loc, loc, loc, role)
	}
	for d := 0; d < dbs; d++ {
		fmt.Fprintf(&b, `database "db%d" {
  engine         = "postgres"
  version        = "16"
  instance_class = "db.t3.medium"
  storage        = "%dGiB"
  replication {
    cross_region = true
  }
  backup {
    schedule = "daily 03:00"
    retain   = "14d"
    copy_to  = [region.r1]
  }
}

`, d, 20+d)
	}
	for t := 0; t < tiers; t++ {
		fmt.Fprintf(&b, `tier "t%d" {
  image         = var.image
  instance_type = "t3.small"
  uses          = [database.db%d]
  capacity {
    min     = 2
    desired = %d
    max     = 10
  }
  scale_on {
    cpu_percent = 60
  }
  load_balancer {
    listener {
      port = 80
    }
    health_check {
      path     = "/healthz"
      interval = "10s"
    }
  }
}

dns "t%d.example.com" {
  zone = "example.com"
  ttl  = 30
  to   = tier.t%d
  failover {
    health_check {
      interval  = "10s"
      threshold = 3
    }
  }
}

`, t, t%max(dbs, 1), 2+t%8, t, t)
	}
	return []byte(b.String())
}

func BenchmarkCompile(b *testing.B) {
	for _, size := range []struct{ tiers, dbs int }{{8, 3}, {40, 15}, {80, 30}} {
		src := genBlueprint(size.tiers, size.dbs)
		res, diags := Compile("bench.ha.hcl", src, Options{})
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		n := len(res.Components)
		b.Run(fmt.Sprintf("components=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				if _, diags := Compile("bench.ha.hcl", src, Options{}); diags.HasErrors() {
					b.Fatal(diags.Error())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/component")
		})
	}
}

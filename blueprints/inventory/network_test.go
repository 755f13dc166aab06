package inventory

import (
	"strings"
	"testing"
)

func withNetwork(attrs, hosts string) string {
	return strings.Replace(strings.Replace(base, "%s", hosts, 1), `site "dc1" {`, `site "dc1" {`+"\n"+attrs, 1)
}

func TestSiteNetworkErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"bad network", withNetwork(`network = "10.1.2.0"`, ""), "Invalid network"},
		{"pool outside", withNetwork("network = \"10.1.2.0/24\"\nvip_pool = [\"10.1.3.5\"]", ""), "pool address 10.1.3.5 is outside the site's network 10.1.2.0/24"},
		{"pool without network", withNetwork(`vip_pool = ["10.1.2.5"]`, ""), "VIP pool without network"},
		{"pool duplicate", withNetwork("network = \"10.1.2.0/24\"\nvip_pool = [\"10.1.2.5\", \"10.1.2.5\"]", ""), "10.1.2.5 is listed twice"},
		{"pool not an address", withNetwork("network = \"10.1.2.0/24\"\nvip_pool = [\"vip\"]", ""), `"vip" is not an IPv4 address`},
		{"bad host key", withNetwork("", strings.Replace(host("h1", 100, "pdu-a#1"), "cpus = 8", "cpus = 8\n    ssh_host_key = \"AAAA\"", 1)), "Invalid SSH host key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := parse(t, "test.hcl", tt.src, nil)
			if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.want) {
				t.Fatalf("got %v\nwant %q", diags, tt.want)
			}
			if d := diags[0]; d.Subject == nil || d.Subject.Start.Line == 0 {
				t.Errorf("diagnostic without a position: %v", d)
			}
		})
	}
}

func TestSiteNetworkAndPowerDomains(t *testing.T) {
	src := withNetwork("network = \"10.1.2.0/24\"\nvip_pool = [\"10.1.2.100\", \"10.1.2.101\"]",
		strings.Replace(host("ab1", 100, "pdu-a#1", "pdu-b#1"), "cpus = 8", "cpus = 8\n    ssh_host_key = \"ssh-ed25519 AAAAC3Nz\"", 1)+
			host("ab2", 100, "pdu-a#2", "pdu-b#2")+host("a1", 100, "pdu-a#3")+host("a2", 100, "pdu-a#4"))
	inv, diags := parse(t, "test.hcl", src, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s := inv.SiteOf("dc1")
	if s.Network.String() != "10.1.2.0/24" || len(s.VIPPool) != 2 || s.VIPPool[1].String() != "10.1.2.101" {
		t.Errorf("site %+v", s)
	}
	if inv.Hosts["ab1"].SSHHostKey != "ssh-ed25519 AAAAC3Nz" {
		t.Errorf("ssh_host_key %q", inv.Hosts["ab1"].SSHHostKey)
	}
	for _, tt := range []struct{ a, b, want string }{
		{"ab1", "ab2", ""},        // A+B both: no single device takes both
		{"ab1", "a1", ""},         // ab1 survives pdu-a
		{"a1", "a2", "pdu:pdu-a"}, // both hang on pdu-a
		{"a2", "a1", "pdu:pdu-a"},
	} {
		if got := inv.SharePower(inv.Hosts[tt.a], inv.Hosts[tt.b]); got != tt.want {
			t.Errorf("SharePower(%s, %s) = %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

package patroni

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func threeHosts() []Member {
	return []Member{
		{Name: "db1", Address: "10.0.0.1", Domains: map[string]string{"feed": "A", "ups": "ups-a", "pdu": "pdu-1"}},
		{Name: "db2", Address: "10.0.0.2", Domains: map[string]string{"feed": "B", "ups": "ups-b", "pdu": "pdu-2"}},
		{Name: "db3", Address: "10.0.0.3", Domains: map[string]string{"feed": "A", "ups": "ups-c", "pdu": "pdu-3"}},
	}
}

func TestTimingsFor(t *testing.T) {
	for _, tc := range []struct {
		rto  time.Duration
		want Timings
	}{
		{0, Defaults},
		{time.Minute, Defaults},
		{13 * time.Second, Timings{TTL: 9, LoopWait: 1, RetryTimeout: 4}},
		{10 * time.Second, Timings{TTL: 6, LoopWait: 1, RetryTimeout: 2}},
		{5 * time.Second, Timings{TTL: MinTTL, LoopWait: 1, RetryTimeout: 2}},
		{25 * time.Second, Timings{TTL: 20, LoopWait: 2, RetryTimeout: 9}},
	} {
		got := TimingsFor(tc.rto)
		if got != tc.want {
			t.Errorf("TimingsFor(%s) = %+v, want %+v", tc.rto, got, tc.want)
		}
		if tc.want != Defaults && tc.want.TTL > MinTTL && TimingsFor(got.RTO()) != got {
			t.Errorf("TimingsFor(%s).RTO() = %s does not derive the same timings", tc.rto, got.RTO())
		}
		if got.LoopWait+2*got.RetryTimeout > got.TTL {
			t.Errorf("TimingsFor(%s) = %+v breaks loop_wait + 2*retry_timeout <= ttl", tc.rto, got)
		}
	}
	if got := (Timings{TTL: 10, LoopWait: 2}).RTO(); got != 15*time.Second {
		t.Errorf("RTO = %s, want 15s (ttl + loop_wait + etcd election + promotion)", got)
	}
}

func TestRenderSyncAndLag(t *testing.T) {
	c := Cluster{Name: "shop-db", Members: threeHosts(), Sync: true, MaxLagBytes: 1 << 20,
		Timings: TimingsFor(13 * time.Second), SuperuserPassword: "s3cret", ReplicationPassword: "r3pl",
		ArchiveCommand: "pgbackrest --stanza=shop-db archive-push %p"}
	b, err := c.Render(1)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("rendered config is not JSON/YAML: %v", err)
	}
	dcs := doc["bootstrap"].(map[string]any)["dcs"].(map[string]any)
	if dcs["synchronous_mode"] != true || dcs["ttl"] != 9.0 || dcs["loop_wait"] != 1.0 || dcs["maximum_lag_on_failover"] != float64(1<<20) ||
		dcs["primary_start_timeout"] != 0.0 {
		t.Errorf("dcs = %v", dcs)
	}
	params := dcs["postgresql"].(map[string]any)["parameters"].(map[string]any)
	if params["archive_mode"] != "on" || !strings.Contains(params["archive_command"].(string), "archive-push") {
		t.Errorf("archiving not on: %v", params)
	}
	if doc["name"] != "db2" || !strings.Contains(string(b), `"10.0.0.2:8008"`) || !strings.Contains(string(b), `"10.0.0.3:2379"`) {
		t.Errorf("member 1 rendered wrongly:\n%s", b)
	}
	args := strings.Join(c.EtcdArgs(0, "/d"), " ")
	if !strings.Contains(args, "--initial-cluster db1=http://10.0.0.1:2380,db2=http://10.0.0.2:2380,db3=http://10.0.0.3:2380") {
		t.Errorf("etcd args: %s", args)
	}
}

func TestValidateRefuses(t *testing.T) {
	one := Cluster{Name: "x", Members: threeHosts()[:1], Sync: true}
	if _, err := one.Render(0); err == nil || !strings.Contains(err.Error(), "at least two hosts") {
		t.Errorf("sync with one host: %v", err)
	}
	bad := Cluster{Name: "x", Members: threeHosts(), Timings: Timings{TTL: 10, LoopWait: 5, RetryTimeout: 5}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "must not exceed ttl") {
		t.Errorf("bad timings: %v", err)
	}
	if err := (Cluster{Name: "x", Members: append(threeHosts(), threeHosts()[0])}).Validate(); err == nil {
		t.Error("duplicate member accepted")
	}
}

func TestCheckPlacement(t *testing.T) {
	if errs := CheckPlacement(threeHosts(), true); len(errs) != 1 {
		t.Fatalf("two of three hosts on feed A: want one error, got %v", errs)
	} else {
		var pe *PlacementError
		if !errors.As(errs[0], &pe) || pe.Kind != "feed" || pe.Domain != "A" || !strings.Contains(pe.Error(), "majority of etcd (2 of 3)") {
			t.Errorf("error = %v", errs[0])
		}
	}
	spread := threeHosts()
	spread[2].Domains = map[string]string{"feed": "C", "ups": "ups-c", "pdu": "pdu-3"}
	if errs := CheckPlacement(spread, true); len(errs) != 0 {
		t.Errorf("spread hosts: %v", errs)
	}
	shared := threeHosts()[:2]
	shared[1].Domains = map[string]string{"ups": "ups-a"}
	errs := CheckPlacement(shared, true)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `ups "ups-a" takes out every copy`) {
		t.Errorf("both copies on one UPS: %v", errs)
	}
	if errs := CheckPlacement(threeHosts()[:1], true); len(errs) != 1 || !strings.Contains(errs[0].Error(), "second host") {
		t.Errorf("sync with one host: %v", errs)
	}
}

package blueprints

import (
	"testing"
)

func servicesResult(t *testing.T, rec Recovery) *Result {
	t.Helper()
	res, err := check(CompileFile("testdata/valid/services.ha.hcl", Options{Recovery: rec}))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func component(t *testing.T, res *Result, k string) *Component {
	t.Helper()
	for _, c := range res.Components {
		if c.Key == k {
			return c
		}
	}
	t.Fatalf("no component %s", k)
	return nil
}

func TestServices_perRegionCacheWarns(t *testing.T) {
	_, diags := CompileFile("testdata/valid/services.ha.hcl", Options{})
	var found bool
	for _, d := range diags {
		if d.Summary == "Cache copied per region" && d.Subject != nil && d.Subject.Start.Line == 57 {
			found = true
		}
	}
	if !found {
		t.Fatalf("no per-region warning at the carts node_type (line 57): %v", diags)
	}
}

func TestServices_alarmThresholdsFromObjectives(t *testing.T) {
	res := servicesResult(t, Recovery{})
	west := component(t, res, "west/alerts/alerts")
	got := map[string]Alarm{}
	for _, a := range west.Alerts.Alarms {
		got[a.Metric] = a
	}
	// rto 10m: alarms fire within a quarter of it (2 one-minute periods).
	if a := got[MetricUnhealthyHosts]; a.EvaluationPeriods != 2 || a.Period != 60 || a.Threshold != 0 {
		t.Errorf("unhealthy hosts alarm = %+v", a)
	}
	if a := got[MetricReplicaLag]; a.Threshold != 45 || a.Target != "shop-west-orders-replica" {
		t.Errorf("replica lag alarm = %+v, want max_lag 45s on the west replica", a)
	}
	if a := got[MetricCacheReplicationLag]; a.Threshold != CacheReplicationLag.Seconds {
		t.Errorf("cache lag alarm = %+v", a)
	}
	if a := got[MetricAtMaxCapacity]; a.Threshold != 6 || a.Comparison != ">=" {
		t.Errorf("at max alarm = %+v", a)
	}
	east := component(t, res, "east/alerts/alerts")
	for _, a := range east.Alerts.Alarms {
		// The object copy alarm is capped by rpo = 20m; its planning bound is 15m.
		if a.Metric == MetricObjectReplicationLag && a.Threshold != 900 {
			t.Errorf("object lag alarm = %+v", a)
		}
	}
}

func TestServices_recoveryMovesBucketAndCache(t *testing.T) {
	res := servicesResult(t, Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}})
	west := component(t, res, "west/uploads/object_store").ObjectStore
	if west.Role != RolePrimary || west.CopyTo != "east/uploads/object_store" || west.CopyToLocation != "us-east-2" || west.Source != "" {
		t.Errorf("west bucket after losing east = %+v, want primary copying to the rebuilt east", west)
	}
	east := component(t, res, "east/uploads/object_store")
	if east.Location != "us-east-2" || east.ObjectStore.Role != "replica" || east.ObjectStore.Source != "west/uploads/object_store" {
		t.Errorf("rebuilt east bucket = %+v %+v", east, east.ObjectStore)
	}
	if east.Name != "shop-east-uploads-us-east-2" {
		t.Errorf("rebuilt bucket name = %q, want a new name (bucket names are global)", east.Name)
	}
	sess := component(t, res, "west/sessions/cache").Cache
	if sess.Role != RolePrimary || sess.Primary != "" {
		t.Errorf("west sessions after losing east = %+v", sess)
	}
	if e := component(t, res, "east/sessions/cache"); e.Cache.Role != RoleStandby || e.Cache.Primary != "west/sessions/cache" || e.Location != "us-east-2" {
		t.Errorf("rebuilt east sessions = %+v %+v", e, e.Cache)
	}
	// The rebuilt region's alarms watch its new components.
	var watched bool
	for _, a := range component(t, res, "west/alerts/alerts").Alerts.Alarms {
		if a.Metric == MetricObjectReplicationLag && a.Target == "shop-west-uploads" {
			watched = true
		}
	}
	if !watched {
		t.Error("west alerts do not watch the copy from the new primary bucket")
	}

	// Fail back: the rebuilt east's bucket becomes primary again.
	back := servicesResult(t, Recovery{Lost: []string{"east"}, Replacements: map[string]string{"east": "us-east-2"}, Primary: "east"})
	if e := component(t, back, "east/uploads/object_store"); e.ObjectStore.Role != RolePrimary || e.ObjectStore.CopyTo != "west/uploads/object_store" || e.Name != "shop-east-uploads-us-east-2" {
		t.Errorf("fail back: east bucket = %+v %+v", e, e.ObjectStore)
	}
}

func TestServices_lostStandbyDropsCopy(t *testing.T) {
	res := servicesResult(t, Recovery{Lost: []string{"west"}})
	e := component(t, res, "east/uploads/object_store").ObjectStore
	if e.CopyTo != "" || e.Role != RolePrimary {
		t.Errorf("east bucket after losing west = %+v, want no copy", e)
	}
	for _, c := range res.Components {
		if c.Region == "west" {
			t.Errorf("component %s of lost west still managed", c.Key)
		}
	}
}

func TestServices_objectiveCountsObjectCopy(t *testing.T) {
	src := `blueprint "x" {}
objectives {
  rpo = "5m"
}
region "east" {
  cloud    = "aws"
  location = "us-east-1"
  role     = "primary"
}
region "west" {
  cloud    = "aws"
  location = "us-west-2"
}
object_store "uploads" {
  copy_to = [region.west]
}
`
	_, diags := Compile("x.ha.hcl", []byte(src), Options{})
	if !diags.HasErrors() || diags[0].Summary != "RPO objective not met" || diags[0].Subject.Start.Line != 3 {
		t.Fatalf("want RPO objective not met at 3: %v", diags)
	}
}

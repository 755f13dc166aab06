package dnsfailover

import "testing"

func TestDetectionSeconds(t *testing.T) {
	route53 := HealthCheck{Interval: 30, Threshold: 3}
	if got := DetectionSeconds(route53, 60); got != 150 {
		t.Errorf("Route 53 defaults: %d, want 150", got)
	}
	pdns := HealthCheck{Interval: 1, Threshold: 1}
	if got := EffectiveDetectionSeconds(pdns, 5, 1); got != 6 {
		t.Errorf("PowerDNS at 1 s: %d, want 6", got)
	}
	// The server probes every 5 s although 1 s was asked: 5 × 1 + 5.
	if got := EffectiveDetectionSeconds(pdns, 5, 5); got != 10 {
		t.Errorf("slower server: %d, want 10", got)
	}
	// A server faster than asked does not shrink the budget.
	if got := EffectiveDetectionSeconds(HealthCheck{Interval: 10, Threshold: 2}, 5, 1); got != 25 {
		t.Errorf("faster server: %d, want 25", got)
	}
}

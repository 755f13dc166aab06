// Package awstest gives backend tests an AWS session on the real local
// endpoint (moto_server) started by acceptance/services.
package awstest

import (
	"strings"
	"testing"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
	awsbase "github.com/ha-blueprints/terraform-provider-ha/internal/aws"
)

// Image is an AMI id that moto 5.2.1 ships in every region (moto checks
// that launch templates name an image it knows).
const (
	Image      = "ami-03cf127a"
	OtherImage = "ami-12c6146b"
)

// Session starts (or reuses) moto for the test and returns a session on it.
func Session(t *testing.T) *awsbase.Session {
	t.Helper()
	s, _ := Start(t)
	return s
}

// Start is Session that also returns moto's environment (HA_AWS_*), for
// code under test that reads its settings from there.
func Start(t *testing.T) (*awsbase.Session, map[string]string) {
	t.Helper()
	env := services.ForTest(t, services.Moto)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return awsbase.NewSession(awsbase.Settings{
		Endpoint:   env["HA_AWS_ENDPOINT"],
		AccessKey:  env["HA_AWS_ACCESS_KEY"],
		SecretKey:  env["HA_AWS_SECRET_KEY"],
		MaxRetries: 2,
	}), env
}

// CheckAdoption is the crash-adoption contract of a create: applying spec
// again over what the first apply made adopts it (same id), and applying it
// as another component (other) is refused as "not this component's".
// apply(true) applies spec, apply(false) other; del removes what was made.
func CheckAdoption[St any](t *testing.T, apply func(own bool) (St, error), del func(St) error, id func(St) string) {
	t.Helper()
	st, err := apply(true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = del(st) }()
	again, err := apply(true)
	if err != nil {
		t.Fatalf("create over the component's own object: %v", err)
	}
	if id(again) != id(st) {
		t.Fatalf("adopted %q, made %q", id(again), id(st))
	}
	if _, err := apply(false); err == nil || !strings.Contains(err.Error(), "not this component's") {
		t.Fatalf("create over another component's object: %v", err)
	}
}

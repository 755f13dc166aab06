package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

type thing interface{ Where() string }

type awsThing struct{ loc string }

func (a awsThing) Where() string { return a.loc }

func TestRegistry(t *testing.T) {
	r := NewRegistry[thing]("load balancer")
	r.Register(AWS, func(_ context.Context, s *Settings, location string) (thing, error) {
		if err := s.CheckLocation(AWS, location); err != nil {
			return nil, err
		}
		return awsThing{location}, nil
	})
	s := &Settings{AWS: AWSSettings{LostLocations: []string{"us-west-2"}}}

	got, err := r.Open(context.Background(), AWS, s, "us-east-1")
	if err != nil || got.Where() != "us-east-1" {
		t.Fatalf("Open(aws) = %v, %v", got, err)
	}
	if _, err := r.Open(context.Background(), AWS, s, "us-west-2"); !IsUnreachable(err) {
		t.Errorf("lost location: %v, want ErrUnreachable", err)
	}

	_, err = r.Open(context.Background(), GCP, s, "europe-west1")
	var nb *NoBackendError
	if !errors.As(err, &nb) {
		t.Fatalf("Open(gcp) = %v, want *NoBackendError", err)
	}
	for _, want := range []string{"load balancer", `"gcp"`, "available: aws"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if err := r.Check(Cloud("azure")); err == nil || !strings.Contains(err.Error(), `unknown cloud "azure"`) {
		t.Errorf("Check(azure) = %v", err)
	}
	if r.Check(AWS) != nil || r.Has(BareMetal) {
		t.Error("Has/Check disagree with what is registered")
	}

	defer func() {
		if recover() == nil {
			t.Error("second registration of aws did not panic")
		}
	}()
	r.Register(AWS, nil)
}

func TestErrors(t *testing.T) {
	nf := fmt.Errorf("reading: %w", NotFound("load balancer", "web"))
	if !IsNotFound(nf) || IsUnreachable(nf) {
		t.Errorf("NotFound: %v", nf)
	}
	cause := errors.New("dial tcp: connection refused")
	ue := fmt.Errorf("create: %w", &UnreachableError{Cloud: GCP, Location: "europe-west1", Err: cause})
	if !IsUnreachable(ue) || !errors.Is(ue, cause) || IsNotFound(ue) {
		t.Errorf("UnreachableError: %v", ue)
	}
}

func TestSettingsShared(t *testing.T) {
	var s Settings
	var calls atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := s.Shared("session", func() (any, error) { calls.Add(1); return 42, nil })
			if err != nil || v.(int) != 42 {
				t.Errorf("Shared = %v, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("mk called %d times, want 1", calls.Load())
	}
	if !(&Settings{AWS: AWSSettings{Endpoint: "http://127.0.0.1:1"}}).EndpointOverridden(AWS) || s.EndpointOverridden(AWS) || s.EndpointOverridden(GCP) {
		t.Error("EndpointOverridden wrong")
	}
}

package powerdns

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestServerErrorsRetriedAndConfigReadOnce: a 5xx answer (sqlite's
// "database is locked") is retried rather than surfaced, and the server
// settings are read once however many clients ask.
func TestServerErrorsRetriedAndConfigReadOnce(t *testing.T) {
	var patches, configs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPatch:
			if patches.Add(1) <= 2 {
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"error":"database is locked"}`))
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case r.URL.Path == "/api/v1/servers/localhost/config":
			configs.Add(1)
			_, _ = w.Write([]byte(`[{"name":"lua-health-checks-interval","value":"5"}]`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		c, err := NewClient(Settings{APIURL: srv.URL, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		if v, err := c.ConfigSetting(ctx, "lua-health-checks-interval"); err != nil || v != "5" {
			t.Fatalf("ConfigSetting = %q, %v; want 5", v, err)
		}
	}
	if n := configs.Load(); n != 1 {
		t.Fatalf("three clients read the settings %d times, want 1", n)
	}
	c, _ := NewClient(Settings{APIURL: srv.URL, APIKey: "k"})
	if err := c.PatchRRSets(ctx, "example.org.", []RRSet{{Name: "a.example.org.", Type: "LUA", ChangeType: "DELETE"}}); err != nil {
		t.Fatalf("PATCH after two 500 answers: %v", err)
	}
	if n := patches.Load(); n != 3 {
		t.Fatalf("PATCH sent %d times, want 3", n)
	}
}

// TestConfigReadOnceUnderConcurrency: resources planned in parallel ask for
// the settings at the same moment; one read serves them all.
func TestConfigReadOnceUnderConcurrency(t *testing.T) {
	var configs atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/servers/localhost/config" {
			http.NotFound(w, r)
			return
		}
		configs.Add(1)
		<-release // hold the first read until every caller is waiting
		_, _ = w.Write([]byte(`[{"name":"lua-health-checks-interval","value":"3"}]`))
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := NewClient(Settings{APIURL: srv.URL, APIKey: "concurrent"})
			if err != nil {
				errs <- err
				return
			}
			if v, err := c.ConfigSetting(context.Background(), "lua-health-checks-interval"); err != nil || v != "3" {
				errs <- fmt.Errorf("ConfigSetting = %q, %w; want 3", v, err)
			}
		}()
	}
	for configs.Load() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let the others reach the server if they would
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := configs.Load(); n != 1 {
		t.Fatalf("ten concurrent first callers read the settings %d times, want 1", n)
	}
}

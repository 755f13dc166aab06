package parsecache

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestCacheComputesOnceAndNoticesChange(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := New[string]()
	var runs atomic.Int32
	read := func(r *Reader) string {
		runs.Add(1)
		b, err := r.ReadFile(path)
		if err != nil {
			return "error"
		}
		return string(b)
	}
	var wg sync.WaitGroup
	got := make([]string, 16)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = c.Get(path, read)
		}()
	}
	wg.Wait()
	for i, g := range got {
		if g != "one" {
			t.Fatalf("caller %d got %q, want one", i, g)
		}
	}
	if n := runs.Load(); n != 1 {
		t.Fatalf("16 concurrent lookups computed %d times, want 1", n)
	}
	if err := os.WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if g := c.Get(path, read); g != "two" {
		t.Fatalf("after the file changed got %q, want two", g)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if g := c.Get(path, read); g != "error" {
		t.Fatalf("after the file was removed got %q, want error", g)
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("computed %d times, want 3", n)
	}
}

func TestCachePanicIsNotServed(t *testing.T) {
	c := New[int]()
	func() {
		defer func() { _ = recover() }()
		c.Get("k", func(*Reader) int { panic("boom") })
	}()
	if v := c.Get("k", func(*Reader) int { return 7 }); v != 7 {
		t.Fatalf("got %d after a panicking computation, want a fresh 7", v)
	}
}

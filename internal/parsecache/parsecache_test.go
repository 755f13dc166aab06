package parsecache

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// A file last modified long before it was read takes the stat shortcut on
// later lookups; an edit (new size or modification time) is still noticed,
// and so is an edit of a file modified just before it was read, even with
// the same size.
func TestCacheNoticesEditsOfOldAndRecentFiles(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.txt")
	recent := filepath.Join(dir, "recent.txt")
	for _, p := range []string{old, recent} {
		if err := os.WriteFile(p, []byte("one"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	c := New[string]()
	read := func(p string) func(r *Reader) string {
		return func(r *Reader) string {
			b, _ := r.ReadFile(p)
			return string(b)
		}
	}
	if g := c.Get(old, read(old)); g != "one" {
		t.Fatalf("got %q", g)
	}
	if g := c.Get(recent, read(recent)); g != "one" {
		t.Fatalf("got %q", g)
	}
	if err := os.WriteFile(old, []byte("three"), 0o600); err != nil {
		t.Fatal(err)
	}
	if g := c.Get(old, read(old)); g != "three" {
		t.Fatalf("after editing the old file got %q, want three", g)
	}
	// Same size, and the modification time put back where it was.
	fi, err := os.Stat(recent)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recent, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(recent, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if g := c.Get(recent, read(recent)); g != "two" {
		t.Fatalf("after editing the recent file got %q, want two", g)
	}
}

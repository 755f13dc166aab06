// Package parsecache keeps the result of parsing and checking a file for the
// life of a process, so that the resources and data sources of one plan that
// read the same inventory or blueprint pay for it once. An entry is keyed by
// a caller's key (the path and whatever options change the result) and is
// valid while every file it read still has the content it had (compared by
// SHA-256 on each lookup, so an edited file is noticed). Lookups are safe
// from concurrent resource operations; callers that ask for the same key at
// the same time wait for one computation.
package parsecache

import (
	"crypto/sha256"
	"os"
	"sync"
	"time"
)

// Cache maps keys to results. The zero value is not usable; use New.
type Cache[V any] struct {
	mu      sync.Mutex
	entries map[string]*entry[V]
}

type entry[V any] struct {
	done  chan struct{} // closed when val, deps are set
	val   V
	deps  map[string]dep // file -> its content when computed
	stale bool
}

// New returns an empty cache.
func New[V any]() *Cache[V] { return &Cache[V]{entries: map[string]*entry[V]{}} }

// Reader reads files for a computation and records what it read, so the
// entry can be checked for staleness later.
type Reader struct {
	mu   sync.Mutex
	deps map[string]dep
}

// dep is what a computation read of one file: its content hash, and the
// file's identity and modification time when it was read.
type dep struct {
	hash [sha256.Size]byte
	stat fileStat
	read time.Time
}

type fileStat struct {
	size  int64
	mtime time.Time
	ino   uint64
	ok    bool
}

func statOf(path string) fileStat {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}
	}
	ino, ok := inode(fi)
	return fileStat{size: fi.Size(), mtime: fi.ModTime(), ino: ino, ok: ok}
}

// racyWindow: a file modified this shortly before it was read could be
// modified again with the same size and modification time (coarse file
// system clocks); such files are always hashed again.
const racyWindow = 2 * time.Second

// ReadFile reads path and records its content hash. A file that cannot be
// read is recorded too (as the hash of nothing) so that its appearance is
// noticed.
func (r *Reader) ReadFile(path string) ([]byte, error) {
	now := time.Now()
	st := statOf(path)
	b, err := os.ReadFile(path)
	d := dep{read: now}
	if err == nil {
		d.hash = sha256.Sum256(b)
		if st2 := statOf(path); st2 == st {
			d.stat = st // unchanged while read: usable as a shortcut later
		}
	}
	r.mu.Lock()
	r.deps[path] = d
	r.mu.Unlock()
	return b, err
}

// Get returns the cached value for key when every file it read is unchanged;
// otherwise it runs compute (once, however many callers wait on it), which
// must read its files through the Reader it is given. Values are shared
// between callers and must not be modified.
func (c *Cache[V]) Get(key string, compute func(r *Reader) V) V {
	for {
		c.mu.Lock()
		e := c.entries[key]
		if e == nil || e.stale {
			e = &entry[V]{done: make(chan struct{})}
			c.entries[key] = e
			c.mu.Unlock()
			c.compute(e, compute)
			return e.val
		}
		c.mu.Unlock()
		<-e.done
		if e.fresh() {
			return e.val
		}
		c.mu.Lock()
		if c.entries[key] == e {
			e.stale = true
		}
		c.mu.Unlock()
	}
}

func (c *Cache[V]) compute(e *entry[V], compute func(r *Reader) V) {
	r := &Reader{deps: map[string]dep{}}
	defer func() {
		// A panicking computation must not leave waiters blocked nor be
		// served again.
		if e.deps == nil {
			e.stale = true
			e.deps = map[string]dep{"": {hash: [sha256.Size]byte{1}}}
		}
		close(e.done)
	}()
	e.val = compute(r)
	e.deps = r.deps
}

// fresh reports whether every file the entry read still has its content.
// A 3 MB inventory costs a few milliseconds to hash, and a plan asks for it
// once or more per resource, so a file whose size, inode and modification
// time are those it had when read (and that was not modified just before
// it was read) is taken as unchanged without reading it.
func (e *entry[V]) fresh() bool {
	for path, want := range e.deps {
		if want.stat.ok && want.stat.mtime.Before(want.read.Add(-racyWindow)) && statOf(path) == want.stat {
			continue
		}
		b, err := os.ReadFile(path)
		var got [sha256.Size]byte
		if err == nil {
			got = sha256.Sum256(b)
		}
		if got != want.hash {
			return false
		}
	}
	return true
}

// Len is the number of entries, for tests.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

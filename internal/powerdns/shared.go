package powerdns

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"
)

// zoneCacheTTL bounds how old a shared zone answer may be; writes made by
// this process drop it at once.
const zoneCacheTTL = 2 * time.Second

type setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// serverState is what the clients of one server (URL, server id and key)
// share within a process: a resource's backend makes a new Client per
// operation, so per-client state would be read again by every resource.
type serverState struct {
	mu       sync.Mutex
	fetching sync.Mutex // one settings read at a time: concurrent first callers wait for it
	settings []setting
	zones    map[string]*zoneEntry
}

type zoneEntry struct {
	done    chan struct{}
	zone    *Zone
	err     error
	fetched time.Time
}

var (
	serversMu sync.Mutex
	servers   = map[[sha256.Size]byte]*serverState{}
)

func (c *Client) shared() *serverState {
	// Keyed by a hash so the API key is not kept in the clear twice.
	key := sha256.Sum256([]byte(c.base.String() + "\x00" + c.serverID + "\x00" + c.apiKey))
	serversMu.Lock()
	defer serversMu.Unlock()
	s := servers[key]
	if s == nil {
		s = &serverState{zones: map[string]*zoneEntry{}}
		servers[key] = s
	}
	return s
}

// config returns the server settings, reading them with fetch the first
// time (a failed read is not kept).
func (s *serverState) config(fetch func() ([]setting, error)) ([]setting, error) {
	s.mu.Lock()
	have := s.settings
	s.mu.Unlock()
	if have != nil {
		return have, nil
	}
	s.fetching.Lock()
	defer s.fetching.Unlock()
	s.mu.Lock()
	have = s.settings
	s.mu.Unlock()
	if have != nil {
		return have, nil // read by the caller we waited for
	}
	got, err := fetch()
	if err != nil {
		return nil, err
	}
	if got == nil {
		got = []setting{}
	}
	s.mu.Lock()
	s.settings = got
	s.mu.Unlock()
	return got, nil
}

// zone returns a shared answer for the zone no older than zoneCacheTTL;
// concurrent callers wait for one read.
func (s *serverState) zone(ctx context.Context, name string, fetch func() (*Zone, error)) (*Zone, error) {
	key := canonical(name)
	s.mu.Lock()
	e := s.zones[key]
	if e != nil {
		select {
		case <-e.done:
			if e.err != nil || time.Since(e.fetched) > zoneCacheTTL {
				e = nil
			}
		default: // being read: wait for it below
		}
	}
	if e == nil {
		e = &zoneEntry{done: make(chan struct{})}
		s.zones[key] = e
		s.mu.Unlock()
		func() {
			defer close(e.done)
			e.zone, e.err = fetch()
			e.fetched = time.Now()
		}()
		if e.err != nil {
			s.mu.Lock()
			if s.zones[key] == e {
				delete(s.zones, key)
			}
			s.mu.Unlock()
		}
		return e.zone, e.err
	}
	s.mu.Unlock()
	select {
	case <-e.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return fetch()
	}
	return e.zone, nil
}

// forget drops the shared answer for a zone after a write to it.
func (s *serverState) forget(name string) {
	s.mu.Lock()
	delete(s.zones, canonical(name))
	s.mu.Unlock()
}

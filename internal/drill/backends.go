package drill

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Backends are small HTTP servers, one per loopback address and all on the
// same port, that stand in for the regions' endpoints in drills, tests and
// benchmarks. Each answers "ok from ADDRESS" on every path; Stop and Start
// take one down and bring it back on the same address and port.
type Backends struct {
	Port  int
	Addrs []string

	mu      sync.Mutex
	servers []*http.Server
	control *http.Server
}

// StartBackends listens on every address (127.0.0.2, 127.0.0.3, …: the
// whole 127.0.0.0/8 is loopback on Linux) on one port free on all of them.
func StartBackends(addrs ...string) (*Backends, error) {
	for attempt := 0; attempt < 20; attempt++ {
		l, err := net.Listen("tcp", net.JoinHostPort(addrs[0], "0"))
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addrs[0], err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		b := &Backends{Port: port, Addrs: addrs, servers: make([]*http.Server, len(addrs))}
		b.serve(0, l)
		ok := true
		for i := 1; i < len(addrs); i++ {
			if err := b.Start(i); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return b, nil
		}
		b.Close()
	}
	return nil, errors.New("no port free on every backend address")
}

// Start (re)starts backend i.
func (b *Backends) Start(i int) error {
	b.mu.Lock()
	running := b.servers[i] != nil
	b.mu.Unlock()
	if running {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort(b.Addrs[i], fmt.Sprint(b.Port)))
	if err != nil {
		return fmt.Errorf("listen on %s:%d: %w", b.Addrs[i], b.Port, err)
	}
	b.serve(i, l)
	return nil
}

func (b *Backends) serve(i int, l net.Listener) {
	addr := b.Addrs[i]
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = fmt.Fprintf(w, "ok from %s\n", addr)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	b.mu.Lock()
	b.servers[i] = srv
	b.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// Stop takes backend i down: its port refuses connections afterwards.
func (b *Backends) Stop(i int) error {
	b.mu.Lock()
	srv := b.servers[i]
	b.servers[i] = nil
	b.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Close, not Shutdown: a failing region does not drain politely, and the
	// health checker's keep-alive connections must go too.
	return srv.Close()
}

// Close stops every backend and the control server.
func (b *Backends) Close() {
	for i := range b.servers {
		_ = b.Stop(i)
	}
	b.mu.Lock()
	ctl := b.control
	b.control = nil
	b.mu.Unlock()
	if ctl != nil {
		_ = ctl.Close()
	}
}

// ServeControl starts a small HTTP server on 127.0.0.1 through which shell
// commands can stop and start the backends (POST or GET /stop/I, /start/I),
// so that a drill's --fail and --restore can be curl calls. It returns the
// base URL; Close of the Backends stops it too.
func (b *Backends) ServeControl() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for backend control: %w", err)
	}
	mux := http.NewServeMux()
	handle := func(action string, fn func(int) error) {
		mux.HandleFunc("/"+action+"/{i}", func(w http.ResponseWriter, r *http.Request) {
			var i int
			if _, err := fmt.Sscan(r.PathValue("i"), &i); err != nil || i < 0 || i >= len(b.Addrs) {
				http.Error(w, "no such backend", http.StatusNotFound)
				return
			}
			if err := fn(i); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = fmt.Fprintf(w, "%s %s\n", action, b.Addrs[i])
		})
	}
	handle("stop", b.Stop)
	handle("start", b.Start)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	b.mu.Lock()
	b.control = srv
	b.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
	return "http://" + l.Addr().String(), nil
}

// Command servicesctl starts and stops the local services (`make services-up`,
// `make services-down`): `servicesctl up DIR` leaves them running and writes
// DIR/env and DIR/pids; `servicesctl down DIR` stops exactly those PIDs.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ha-blueprints/terraform-provider-ha/acceptance/services"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: servicesctl up|down|status DIR [SERVICE...]")
		os.Exit(2)
	}
	dir, err := filepath.Abs(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "up":
		if services.Running(dir) {
			fmt.Printf("local services already running; endpoints in %s\n", filepath.Join(dir, "env"))
			return
		}
		_ = services.Down(dir) // a partial set from a crashed run
		_ = services.StopHosts(dir)
		s, err := services.Start(context.Background(), dir, os.Args[3:]...)
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		// As root, the demo/test inventory's hosts become namespace hosts.
		if os.Geteuid() == 0 && os.Getenv("HA_SERVICES_NO_HOSTS") == "" {
			env, err := services.StartHosts(context.Background(), dir, services.HostsInventory)
			if err != nil {
				s.Stop()
				fmt.Fprintln(os.Stderr, "error: namespace hosts:", err)
				os.Exit(1)
			}
			for k, v := range env {
				s.Env[k] = v
			}
			fmt.Printf("namespace hosts up: the hosts of %s (SSH key, known_hosts and a pinned inventory in %s)\n",
				services.HostsInventory, filepath.Join(dir, "hosts"))
		}
		if err := s.WriteFiles(); err != nil {
			s.Stop()
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		var names []string
		for _, p := range s.Procs {
			names = append(names, fmt.Sprintf("%s(pid %d)", p.Name, p.PID))
		}
		fmt.Printf("local services up: %s\nendpoints in %s\n", strings.Join(names, " "), filepath.Join(dir, "env"))
	case "down":
		if err := services.StopHosts(dir); err != nil {
			fmt.Fprintln(os.Stderr, "error: namespace hosts:", err)
		}
		if err := services.Down(dir); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Println("local services stopped")
	case "status":
		if !services.Running(dir) {
			fmt.Println("local services not running")
			os.Exit(1)
		}
		fmt.Println("local services running")
	default:
		fmt.Fprintln(os.Stderr, "usage: servicesctl up|down|status DIR [SERVICE...]")
		os.Exit(2)
	}
}

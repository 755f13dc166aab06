//go:build unix

package alertexporter

import "syscall"

// processAlive: signal 0 checks that the process exists, sending nothing.
func processAlive(pid int) error { return syscall.Kill(pid, 0) }

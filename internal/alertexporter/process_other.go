//go:build !unix

package alertexporter

import "os"

// processAlive: where there is no signal 0, opening the process is the check.
func processAlive(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Release()
}

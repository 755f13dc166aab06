// Command pagefault prints what this machine charges a process for memory
// it touches for the first time: microseconds of CPU per fresh anonymous
// 4 KB page, per page-cache page of a file already read (the kernel maps
// those several at a time), and per anonymous page when the range asks for
// transparent huge pages.
//
// Why: a provider process is short-lived, and on a virtual machine whose
// host backs guest memory lazily a fresh anonymous page can cost ten
// microseconds or more. Then a process's CPU follows the memory it first
// touches (its heap's growth, the runtime's metadata) more than the work
// it does; bench/peer prints the page faults of both providers beside
// their CPU so that the two can be read together.
//
//	go run ./bench/pagefault [-mb 32]
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	mb := flag.Int("mb", 32, "megabytes of anonymous memory touched per measurement (the file is the whole binary)")
	flag.Parse()
	if err := run(*mb); err != nil {
		fmt.Fprintln(os.Stderr, "pagefault:", err)
		os.Exit(1)
	}
}

func run(mb int) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("| first touch of | µs per 4 KB page |\n|---|---|\n")
	n := mb << 20 / pageSize
	for _, m := range []struct {
		label string
		touch func() (time.Duration, int, error)
	}{
		{"fresh anonymous memory", func() (time.Duration, int, error) { return touchAnon(n, false) }},
		{"anonymous memory with MADV_HUGEPAGE", func() (time.Duration, int, error) { return touchAnon(n, true) }},
		{"a file in the page cache (this binary)", func() (time.Duration, int, error) { return touchFile(exe) }},
	} {
		d, pages, err := m.touch()
		if err != nil {
			fmt.Printf("| %s | %v |\n", m.label, err)
			continue
		}
		fmt.Printf("| %s | %.2f |\n", m.label, float64(d.Nanoseconds())/1e3/float64(pages))
	}
	return nil
}

const pageSize = 4096

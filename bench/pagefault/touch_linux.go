package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"
)

// touchAnon maps n fresh anonymous pages and writes one byte to each.
func touchAnon(n int, huge bool) (time.Duration, int, error) {
	b, err := syscall.Mmap(-1, 0, n*pageSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return 0, 0, fmt.Errorf("mmap: %w", err)
	}
	defer func() { _ = syscall.Munmap(b) }()
	if huge {
		if err := syscall.Madvise(b, syscall.MADV_HUGEPAGE); err != nil {
			return 0, 0, fmt.Errorf("madvise: %w", err)
		}
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		b[i*pageSize] = 1
	}
	return time.Since(start), n, nil
}

// touchFile reads the file once (so that it is in the page cache), maps it
// and reads one byte of each page.
func touchFile(path string) (time.Duration, int, error) {
	if _, err := os.ReadFile(path); err != nil {
		return 0, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return 0, 0, fmt.Errorf("mmap: %w", err)
	}
	defer func() { _ = syscall.Munmap(b) }()
	n := len(b) / pageSize
	var sum byte
	start := time.Now()
	for i := 0; i < n; i++ {
		sum += b[i*pageSize]
	}
	d := time.Since(start)
	runtime.KeepAlive(sum) // the reads are the measurement: keep them
	return d, n, nil
}

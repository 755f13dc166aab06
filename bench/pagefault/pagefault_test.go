//go:build linux

package main

import (
	"os"
	"testing"
)

func TestTouchCountsEveryPage(t *testing.T) {
	for _, huge := range []bool{false, true} {
		d, pages, err := touchAnon(64, huge)
		if err != nil {
			t.Fatalf("huge=%v: %v", huge, err)
		}
		if pages != 64 || d <= 0 {
			t.Errorf("huge=%v: %d pages in %v, want 64 in some time", huge, pages, d)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	_, pages, err := touchFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if want := int(st.Size()) / pageSize; pages != want {
		t.Errorf("file: %d pages, want %d (its size over 4 KB)", pages, want)
	}
}

//go:build unix

package parsecache

import (
	"os"
	"syscall"
)

// inode is fi's inode number: with size and modification time it tells a
// file replaced by another (an editor's rename) from the one read.
func inode(fi os.FileInfo) (uint64, bool) {
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return sys.Ino, true
}

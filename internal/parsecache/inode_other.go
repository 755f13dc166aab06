//go:build !unix

package parsecache

import "os"

// inode: without one, size and modification time alone could miss a
// replaced file, so such a stat never vouches for the content (it is hashed
// again on every use).
func inode(os.FileInfo) (uint64, bool) { return 0, false }

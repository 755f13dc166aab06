// Package version holds the build version, set with -ldflags at build time.
package version

// Version is overwritten by `-ldflags "-X .../internal/version.Version=v1.2.3"`.
var Version = "dev"

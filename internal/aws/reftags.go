package aws

import "strings"

// Reference tags record component-contract references (keys of other
// components) on the objects of databases, replicas and backup plans, so
// that they survive import.
const (
	TagSource       = "ha:source"         // a replica's source database component
	TagDatabase     = "ha:database"       // the database a backup plan protects
	TagCopyToRegion = "ha:copy-to-region" // a backup plan's copy region (blueprint name)
)

// KeepSystemTags is the keep function of SetTags: ha:* tags the backends
// write outside the user's tags (such as a promotion marker) stay; the ones
// the resource's attributes manage follow want.
func KeepSystemTags(want map[string]string) func(string) bool {
	managed := map[string]bool{TagBlueprint: true, TagComponent: true, TagSource: true, TagDatabase: true, TagCopyToRegion: true}
	return func(k string) bool {
		_, wanted := want[k]
		return !wanted && strings.HasPrefix(k, "ha:") && !managed[k]
	}
}

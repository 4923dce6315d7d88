package main

import (
	"fmt"
	"runtime/debug"
)

// version is what `shoal --version` prints: the module version (a tag
// when built with `go install …@version`, "(devel)" from a checkout), the
// commit and whether the tree had changes, and the Go release.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
			if len(rev) > 12 {
				rev = rev[:12]
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+changes"
			}
		}
	}
	if rev != "" {
		return fmt.Sprintf("%s (commit %s%s, %s)", v, rev, dirty, info.GoVersion)
	}
	return fmt.Sprintf("%s (%s)", v, info.GoVersion)
}

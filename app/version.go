package app

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is newsbot's version. A release build sets it
// (-ldflags "-X github.com/newsbot/newsbot/app.Version=1.2.0"); else it
// is the module's version Go records: v1.2.0 when built by go install
// …@v1.2.0, a pseudo-version (0.0.0-20261124121756-f781095049f3) when
// built in a clone with its history; else this.
var Version = "0.1.0-dev"

func init() {
	if info, ok := debug.ReadBuildInfo(); ok && Version == "0.1.0-dev" {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			Version = strings.TrimPrefix(v, "v")
		}
	}
}

// Build is what the binary says of how it was built.
type Build struct {
	Version   string `json:"version"`
	Revision  string `json:"revision,omitempty"` // the VCS commit
	Time      string `json:"time,omitempty"`     // the commit's time
	Modified  bool   `json:"modified,omitempty"` // built from a tree with changes not committed
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
}

// BuildInfo reads the build information Go writes into the binary.
func BuildInfo() Build {
	b := Build{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.GoVersion = info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// String is the build as newsbot version prints it.
func (b Build) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "newsbot %s\n", b.Version)
	if b.Revision != "" {
		rev := b.Revision
		if b.Modified {
			rev += " (with changes not committed)"
		}
		fmt.Fprintf(&s, "commit    %s\n", rev)
	}
	if b.Time != "" {
		fmt.Fprintf(&s, "committed %s\n", b.Time)
	}
	fmt.Fprintf(&s, "go        %s %s\n", b.GoVersion, b.Platform)
	return s.String()
}

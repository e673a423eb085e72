// Command newsbot watches news sources for keywords and posts summarized
// alerts to Slack. See README.md; the command line is app.Main.
package main

import (
	"embed"
	"io/fs"
	"os"
	_ "time/tzdata" // schedules in any time zone, even where the system has no zoneinfo

	"github.com/newsbot/newsbot/app"
)

// site is the project's test site, which newsbot demo serves.
//
//go:embed testdata/site
var site embed.FS

func main() {
	app.TuneGC()
	app.DemoSite, _ = fs.Sub(site, "testdata/site")
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}

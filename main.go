// Command newsbot watches news sources for keywords and posts summarized
// alerts to Slack. See README.md; the command line is app.Main.
package main

import (
	"os"
	_ "time/tzdata" // schedules in any time zone, even where the system has no zoneinfo

	"github.com/newsbot/newsbot/app"
)

func main() {
	app.TuneGC()
	os.Exit(app.Main(os.Args[1:], os.Stdout, os.Stderr))
}

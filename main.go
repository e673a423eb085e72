// Command newsbot watches news sources for keywords and posts summarized
// alerts to Slack. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // schedules in any time zone, even where the system has no zoneinfo

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/pipeline"
)

const usage = `newsbot watches news sources for keywords and posts summarized alerts to Slack.

Usage:
  newsbot run      [--config FILE]                    run the watchers on their schedules
  newsbot once     [--config FILE] [--watcher NAME] [--timeout 2m]
                                                      check every watcher (or one) now, deliver, exit
  newsbot validate [--config FILE]                    check the config file
  newsbot check    [--config FILE] [--json] URL|FILE  show what newsbot sees in one article
  newsbot scan     [--config FILE] [--watcher NAME] [--query Q] [--json] PATH...
                                                      run the watchers (or a query) over saved articles
  newsbot version

--config defaults to config.yaml. --verbose logs debug messages.
`

func main() {
	app.TuneGC()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("newsbot "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	cfgPath := fs.String("config", "config.yaml", "the config file")
	verbose := fs.Bool("verbose", false, "log debug messages")
	var watcher, query *string
	var wait *time.Duration
	var asJSON *bool
	switch cmd {
	case "once":
		watcher = fs.String("watcher", "", "check only this watcher")
		wait = fs.Duration("timeout", 2*time.Minute, "how long to keep trying to deliver before leaving alerts pending")
	case "check":
		asJSON = fs.Bool("json", false, "print one JSON object")
	case "scan":
		watcher = fs.String("watcher", "", "scan for this watcher only")
		query = fs.String("query", "", "scan for this query instead of the watchers")
		asJSON = fs.Bool("json", false, "print one JSON object a line")
	case "run", "validate":
	case "version":
		fmt.Fprint(stdout, app.BuildInfo())
		return 0
	default:
		fmt.Fprintf(stderr, "newsbot: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if cmd == "check" {
		if len(pos) != 1 {
			fmt.Fprintln(stderr, "newsbot check: give one URL or HTML file")
			return 2
		}
		return check(ctx, *cfgPath, fs, pos[0], *asJSON, stdout, stderr)
	}
	if cmd == "scan" {
		return scan(ctx, *cfgPath, fs, *watcher, *query, *asJSON, pos, stdout, stderr)
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "newsbot %s: unexpected argument %q\n", cmd, pos[0])
		return 2
	}

	cfg, ws, err := app.Load(*cfgPath)
	if cmd == "validate" {
		return validate(*cfgPath, cfg, err, stdout, stderr)
	}
	if err != nil {
		printLoadError(stderr, err)
		return 2
	}
	if watcher != nil && *watcher != "" {
		if _, err := cfg.Watcher(*watcher); err != nil {
			fmt.Fprintln(stderr, "newsbot:", err)
			return 2
		}
	}
	if cmd == "run" {
		// SIGHUP, or a change to the file, reads the config again.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		d := &app.Daemon{Path: *cfgPath, Config: cfg, Watchers: ws, Options: app.Options{Logger: logger, Stdout: stdout}, Stderr: stderr, Reload: hup}
		if err := d.Run(ctx); err != nil {
			printLoadError(stderr, err)
			return 1
		}
		return 0
	}
	a, err := app.New(ctx, cfg, ws, app.Options{Logger: logger, Stdout: stdout})
	if err != nil {
		fmt.Fprintln(stderr, "newsbot:", err)
		return 1
	}
	defer a.Close()

	switch cmd {
	case "once":
		st, err := a.Once(ctx, *watcher, *wait)
		if err != nil {
			fmt.Fprintln(stderr, "newsbot:", err)
			return 2
		}
		if st.GaveUp {
			fmt.Fprintf(stderr, "newsbot: gave up delivering after %s (--timeout); the rest stays pending for the next run\n", *wait)
		}
		fmt.Fprintln(stderr, "newsbot: "+st.String())
	}
	return 0
}

// parseInterspersed parses flags given before, between or after the
// positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func printLoadError(w io.Writer, err error) {
	var ps config.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(w, p)
		}
		return
	}
	fmt.Fprintln(w, "newsbot:", err)
}

func validate(path string, cfg *config.Config, err error, stdout, stderr io.Writer) int {
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			// Like a compiler's errors: one line each, on stderr.
			for _, p := range ps {
				fmt.Fprintln(stderr, p)
			}
			return 1
		}
		fmt.Fprintln(stderr, "newsbot:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, %d watchers)\n", path, len(cfg.Sources), len(cfg.Watchers))
	return 0
}

func check(ctx context.Context, cfgPath string, fs *flag.FlagSet, target string, asJSON bool, stdout, stderr io.Writer) int {
	cfg, ws, err := app.Load(cfgPath)
	if err != nil {
		// Without a config there are no watchers to match, but the
		// extraction is still worth seeing, unless a config was asked for.
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
		if _, statErr := os.Stat(cfgPath); explicit || statErr == nil {
			printLoadError(stderr, err)
			return 2
		}
		fmt.Fprintf(stderr, "newsbot: no %s: extracting without watchers\n", cfgPath)
		cfg, _ = config.Parse("", []byte("sources: [{name: x, url: 'http://x/'}]\nwatchers: [{name: x, schedule: '@hourly', sources: [x], keywords: [x], channel: x}]"))
		ws = nil
	}
	res, err := app.Check(ctx, app.NewFetcher(cfg), ws, target)
	if err != nil {
		fmt.Fprintln(stderr, "newsbot check:", err)
		return 1
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			return 1
		}
		return 0
	}
	res.WriteText(stdout)
	return 0
}

func scan(ctx context.Context, cfgPath string, fs *flag.FlagSet, watcher, query string, asJSON bool, paths []string, stdout, stderr io.Writer) int {
	if len(paths) == 0 {
		fmt.Fprintln(stderr, "newsbot scan: give one or more files or folders")
		return 2
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	var ws []*pipeline.Watcher
	cfg, all, err := app.Load(cfgPath)
	if err != nil && (query == "" || explicit) {
		// An ad-hoc query needs no config; the watchers do.
		printLoadError(stderr, err)
		return 2
	}
	switch {
	case query != "":
		var synonyms map[string][]string
		if cfg != nil {
			synonyms = cfg.Synonyms
		}
		w, err := pipeline.AdHoc(query, synonyms)
		if err != nil {
			fmt.Fprintln(stderr, "newsbot scan: query:", err)
			return 2
		}
		ws = []*pipeline.Watcher{w}
	case watcher != "":
		for _, w := range all {
			if w.Name == watcher {
				ws = append(ws, w)
			}
		}
		if len(ws) == 0 {
			fmt.Fprintf(stderr, "newsbot scan: %v: %q\n", config.ErrNoWatcher, watcher)
			return 2
		}
	default:
		ws = all
	}
	files, err := app.ScanFiles(paths)
	if err != nil {
		fmt.Fprintln(stderr, "newsbot scan:", err)
		return 2
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	var progress func(done, total int)
	if f, ok := stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			progress = func(done, total int) {
				if done%50 == 0 || done == total {
					width := 30
					n := done * width / max(total, 1)
					fmt.Fprintf(stderr, "\r[%s%s] %d/%d files", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
					if done == total {
						fmt.Fprintln(stderr)
					}
				}
			}
		}
	}
	hits, failed := 0, 0
	app.Scan(ctx, ws, files, func(h app.ScanHit) {
		hits++
		if asJSON {
			enc.Encode(h)
		} else {
			fmt.Fprintln(stdout, app.ScanLine(h))
		}
	}, func(path string, err error) {
		failed++
		fmt.Fprintf(stderr, "newsbot scan: %s: %v\n", path, err)
	}, progress)
	fmt.Fprintf(stderr, "newsbot: %d files scanned, %s, %d unreadable\n", len(files), textutil.Plural(int64(hits), "match"), failed)
	return 0
}

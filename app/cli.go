package app

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

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/pipeline"
	"github.com/newsbot/newsbot/store"
)

const usage = `newsbot watches news sources for keywords and posts summarized alerts to Slack.

Usage:
  newsbot demo     [--channel C]                      a news site of its own, a watcher, its alerts: no network, no config
  newsbot run      [--config FILE]                    run the watchers on their schedules
  newsbot once     [--config FILE] [--watcher NAME] [--timeout 2m]
                                                      check every watcher (or one) now, deliver, exit
  newsbot validate [--config FILE]                    check the config file
  newsbot check    [--config FILE] [--json] URL|FILE  show what newsbot sees in one article
  newsbot scan     [--config FILE] [--watcher NAME] [--query Q] [--json] PATH...
                                                      run the watchers (or a query) over saved articles
  newsbot discover [--config FILE] [--json] URL...   the feeds and news sitemaps a site offers, as sources:
  newsbot import   [--config FILE] FILE.opml          a feed reader's subscriptions, as sources:
  newsbot export   [--config FILE]                    the config's sources as OPML
  newsbot version

--config defaults to config.yaml. --verbose logs debug messages.
newsbot CMD -h (or newsbot help CMD) says more of a command.
`

// cliHelp is what newsbot CMD -h says before the flags.
var cliHelp = map[string]string{
	"demo": `newsbot demo [--channel C]

Starts a small news site inside the process, runs a watcher for Syria on
it and prints the alerts it finds: no network, no token, no config. With
SLACK_BOT_TOKEN set and --channel, the alerts are posted there too.`,
	"run": `newsbot run [--config FILE]

Runs the watchers on their schedules until SIGINT or SIGTERM; SIGHUP or a
change to the file reads the config again.`,
	"once": `newsbot once [--config FILE] [--watcher NAME] [--timeout 2m]

Checks every watcher (or one) now, delivers its alerts and exits: for
cron. Exit status 0: it ran and every alert is sent (or held as
configured); 1: the store can't be opened; 2: the command line or the
config is wrong; 3: alerts are left pending or were parked as
undeliverable.`,
	"validate": `newsbot validate [--config FILE]

Checks the config file and says every problem with its line, and what
may be a mistake (warnings) without failing.`,
	"check": `newsbot check [--config FILE] [--json] URL|FILE

Shows what newsbot sees in one article: its text, date, language, the
summary, and what each watcher's query finds in it. A URL needs its
scheme (https://).`,
	"discover": `newsbot discover [--config FILE] [--json] URL...

Finds what a site offers for monitoring, from its address (a home page, a
section page, a feed): the feeds its pages name or link, its news
sitemaps (named in robots.txt), and the WebSub hub a feed names; says
what each holds, and prints a sources: block ready to paste into
config.yaml (names the config has are not taken again).`,
	"import": `newsbot import [--config FILE] FILE.opml

Reads a feed reader's OPML export (Feedly, Inoreader, FreshRSS, Miniflux,
NetNewsWire, …) and prints its feeds as a sources: block, each in its
folder (a watcher reads a folder with folders: [NAME]); each outline
passed over is said, with its line, on stderr. Feeds the config has are
passed over.`,
	"export": `newsbot export [--config FILE]

Writes the config's sources as OPML 2.0, in their folders, for a feed
reader (or newsbot import).`,
	"scan": `newsbot scan [--config FILE] [--watcher NAME] [--query Q] [--json] PATH...

Runs the watchers (or one, or a query) over saved HTML articles, files or
folders, and prints each match.`,
}

// Main runs the newsbot command with its arguments (those after the
// program's name) and returns its exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "help" {
		args = []string{args[1], "-h"}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" || args[0] == "-version" {
		fmt.Fprint(stdout, BuildInfo())
		return 0
	}
	c, code := parseCommand(args, stderr)
	if c == nil {
		return code
	}
	c.stdout, c.stderr = stdout, stderr
	level := slog.LevelInfo
	if c.verbose {
		level = slog.LevelDebug
	}
	c.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch c.name {
	case "demo":
		return demo(ctx, c.channel, stdout, stderr)
	case "check":
		if len(c.args) != 1 {
			fmt.Fprintln(stderr, "newsbot check: give one URL or HTML file")
			return 2
		}
		return check(ctx, c.config, c.flags, c.args[0], c.json, stdout, stderr)
	case "scan":
		return scan(ctx, c.config, c.flags, c.watcher, c.query, c.json, c.args, stdout, stderr)
	case "import":
		if len(c.args) != 1 {
			fmt.Fprintln(stderr, "newsbot import: give one OPML file (- for standard input)")
			return 2
		}
		cfg, code := c.optionalConfig(stderr)
		if code != 0 {
			return code
		}
		return importOPML(c.args[0], cfg, stdout, stderr)
	case "discover":
		if len(c.args) == 0 {
			fmt.Fprintln(stderr, "newsbot discover: give one or more addresses: a home page, a section page, a feed")
			return 2
		}
		cfg, code := c.optionalConfig(stderr)
		if code != 0 {
			return code
		}
		return discover(ctx, cfg, c.args, c.json, stdout, stderr)
	}
	if len(c.args) > 0 {
		fmt.Fprintf(stderr, "newsbot %s: unexpected argument %q\n", c.name, c.args[0])
		return 2
	}
	if c.name == "once" && c.timeout <= 0 {
		fmt.Fprintf(stderr, "newsbot once: --timeout %s leaves no time to check anything; give how long the run may take, such as 2m\n", c.timeout)
		return 2
	}
	cfg, ws, err := Load(c.config)
	if c.name == "validate" {
		return validate(c.config, cfg, err, stdout, stderr)
	}
	if err != nil {
		printLoadError(stderr, err)
		return 2
	}
	for _, w := range cfg.Warnings() {
		c.log.Warn(w.String())
	}
	if c.watcher != "" {
		if _, err := cfg.Watcher(c.watcher); err != nil {
			fmt.Fprintln(stderr, "newsbot:", err)
			return 2
		}
	}
	if c.name == "run" {
		return c.run(ctx, cfg, ws)
	}
	if c.name == "export" {
		return exportOPML(cfg, stdout, stderr)
	}
	return c.once(ctx, cfg, ws)
}

// optionalConfig is the config for a command that may do without one
// (import, discover: its names are taken, its sources known): nil when
// the default file is not there; a config asked for that can't be
// loaded is an error (exit 2).
func (c *command) optionalConfig(stderr io.Writer) (*config.Config, int) {
	explicit := false
	c.flags.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	if _, err := os.Stat(c.config); err != nil && !explicit {
		return nil, 0
	}
	cfg, _, err := Load(c.config)
	if err != nil {
		printLoadError(stderr, err)
		return nil, 2
	}
	return cfg, 0
}

// command is a command line, parsed.
type command struct {
	name, config   string
	verbose, json  bool
	watcher, query string
	channel        string
	timeout        time.Duration
	args           []string // the positional arguments
	flags          *flag.FlagSet
	stdout, stderr io.Writer
	log            *slog.Logger
}

// parseCommand reads the command and its flags; for a command line that
// is wrong, or asks for help, it returns nil and the exit status.
func parseCommand(args []string, stderr io.Writer) (*command, int) {
	c := &command{name: args[0]}
	fs := flag.NewFlagSet("newsbot "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", cliHelp[c.name])
		fs.PrintDefaults()
	}
	fs.StringVar(&c.config, "config", "config.yaml", "the config file")
	fs.BoolVar(&c.verbose, "verbose", false, "log debug messages")
	switch c.name {
	case "once":
		fs.StringVar(&c.watcher, "watcher", "", "check only this watcher")
		fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "how long the whole run may take, checking and delivering; what is left waits for the next run")
	case "check":
		fs.BoolVar(&c.json, "json", false, "print one JSON object")
	case "scan":
		fs.StringVar(&c.watcher, "watcher", "", "scan for this watcher only")
		fs.StringVar(&c.query, "query", "", "scan for this query instead of the watchers")
		fs.BoolVar(&c.json, "json", false, "print one JSON object a line")
	case "demo":
		fs.StringVar(&c.channel, "channel", "", "post the demo's alerts to this Slack channel, with the token in SLACK_BOT_TOKEN")
	case "discover":
		fs.BoolVar(&c.json, "json", false, "print one JSON object")
	case "run", "validate", "import", "export":
	default:
		fmt.Fprintf(stderr, "newsbot: unknown command %q\n\n%s", c.name, usage)
		return nil, 2
	}
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return nil, 0
	}
	if err != nil {
		return nil, 2
	}
	c.args, c.flags = pos, fs
	return c, 0
}

// run is newsbot run: the daemon, until a signal ends it.
func (c *command) run(ctx context.Context, cfg *config.Config, ws []*pipeline.Watcher) int {
	// SIGHUP, or a change to the file, reads the config again.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	d := &Daemon{Path: c.config, Config: cfg, Watchers: ws, Options: Options{Logger: c.log, Stdout: c.stdout}, Stderr: c.stderr, Reload: hup}
	if err := d.Run(ctx); err != nil {
		printLoadError(c.stderr, err)
		return 1
	}
	return 0
}

// once is newsbot once: one check of every watcher (or one), delivered.
func (c *command) once(ctx context.Context, cfg *config.Config, ws []*pipeline.Watcher) int {
	a, err := New(ctx, cfg, ws, Options{Logger: c.log, Stdout: c.stdout})
	if err != nil {
		fmt.Fprintln(c.stderr, "newsbot:", err)
		return 1
	}
	defer a.Close()
	st, err := a.Once(ctx, c.watcher, c.timeout)
	if err != nil {
		fmt.Fprintln(c.stderr, "newsbot:", err)
		return 2
	}
	if st.GaveUp {
		fmt.Fprintf(c.stderr, "newsbot: stopped after %s (--timeout); sources not reached are checked and alerts not sent are sent by the next run\n", c.timeout)
	}
	fmt.Fprintln(c.stderr, "newsbot: "+st.String())
	if st.Pending.Load() > 0 || st.Parked.Load() > 0 {
		return ExitUndelivered
	}
	return 0
}

// ExitUndelivered is newsbot once's exit status when it leaves alerts
// pending (Slack failing until --timeout, a signal, Slack refusing the
// token) or parks some as undeliverable: for cron to tell someone.
// Alerts held for quiet hours or a digest are not undelivered.
const ExitUndelivered = 3

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

// warned is validate's word on its warnings.
func warned(n int) string {
	if n == 0 {
		return ""
	}
	return ", " + textutil.Plural(int64(n), "warning") + " on stderr"
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
	// What the store's open would refuse, said now.
	if err := store.CheckPath(cfg.Storage); err != nil {
		fmt.Fprintln(stderr, cfg.Problem("storage", "%s: %v", cfg.Storage, err))
		return 1
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "%s: ok (%s, %s%s)\n", path, textutil.Plural(int64(len(cfg.Sources)), "source"), textutil.Plural(int64(len(cfg.Watchers)), "watcher"), warned(len(cfg.Warnings())))
	return 0
}

func check(ctx context.Context, cfgPath string, fs *flag.FlagSet, target string, asJSON bool, stdout, stderr io.Writer) int {
	cfg, ws, err := Load(cfgPath)
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
		cfg = defaultConfig()
		ws = nil
	}
	res, err := Check(ctx, NewFetcher(cfg), ws, target)
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
	cfg, all, err := Load(cfgPath)
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
			_, err := cfg.Watcher(watcher)
			fmt.Fprintln(stderr, "newsbot scan:", err)
			return 2
		}
	default:
		ws = all
	}
	files, err := ScanFiles(paths)
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
					fmt.Fprintf(stderr, "\r[%s%s] %d/%s", strings.Repeat("#", n), strings.Repeat(" ", width-n), done, textutil.Plural(int64(total), "file"))
					if done == total {
						fmt.Fprintln(stderr)
					}
				}
			}
		}
	}
	hits, failed := 0, 0
	Scan(ctx, ws, files, func(h ScanHit) {
		hits++
		if asJSON {
			enc.Encode(h)
		} else {
			fmt.Fprintln(stdout, ScanLine(h))
		}
	}, func(path string, err error) {
		failed++
		fmt.Fprintf(stderr, "newsbot scan: %s: %v\n", path, err)
	}, progress)
	fmt.Fprintf(stderr, "newsbot: %s scanned, %s, %d unreadable\n", textutil.Plural(int64(len(files)), "file"), textutil.Plural(int64(hits), "match"), failed)
	return 0
}

// defaultConfig is a config of the defaults alone, for the commands that
// fetch without a config file (check, discover): its http settings.
func defaultConfig() *config.Config {
	cfg, _ := config.Parse("", []byte("sources: [{name: x, url: 'http://x/'}]\nwatchers: [{name: x, schedule: '@hourly', sources: [x], keywords: [x], channel: x}]"))
	return cfg
}

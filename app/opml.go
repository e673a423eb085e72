package app

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/newsbot/newsbot/config"
	"github.com/newsbot/newsbot/internal/textutil"
	"github.com/newsbot/newsbot/news"
	"github.com/newsbot/newsbot/opml"
)

// importOPML is newsbot import: an OPML file's feeds as a sources: block
// (their folders kept), on stdout; each outline passed over, with its
// line and why, on stderr. cfg, when there is one, has its names and
// feeds taken: a feed it has already is passed over too.
func importOPML(path string, cfg *config.Config, stdout, stderr io.Writer) int {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(stderr, "newsbot import:", err)
			return 1
		}
		defer f.Close()
		r = f
	}
	file, err := opml.Parse(r)
	if file == nil {
		fmt.Fprintf(stderr, "newsbot import: %s: %v\n", path, err)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "newsbot import: %s: %v\n", path, err)
	}
	known := map[string]string{}
	if cfg != nil {
		for _, s := range cfg.Sources {
			known[s.URL] = s.Name
		}
	}
	taken := namesOf(cfg)
	var srcs []newSource
	skipped := file.Skipped
	for _, f := range file.Feeds {
		if name, ok := known[f.URL]; ok {
			skipped = append(skipped, opml.Skipped{Line: f.Line, Title: f.Title, Why: fmt.Sprintf("already in %s, as %s", cfg.Path(), name)})
			continue
		}
		switch f.Type {
		case "", string(news.SourceFeed), string(news.SourcePage), string(news.SourceSitemap):
		default:
			f.Type = "" // found from the content
		}
		s := newSource{Name: taken.name(cmp.Or(f.Name, f.Title), f.URL), URL: f.URL, Type: f.Type, Links: f.Links, Folder: f.Folder,
			NoRobots: f.NoRobots, MaxItems: f.MaxItems}
		if f.Name != "" {
			s.Name = taken.adopt(f.Name, s.Name) // a newsbot export's own name, as it was
		}
		if f.Title != "" && f.Title != s.Name {
			s.Notes = append(s.Notes, f.Title)
		}
		srcs = append(srcs, s)
	}
	slices.SortStableFunc(skipped, func(a, b opml.Skipped) int { return a.Line - b.Line })
	for _, s := range skipped {
		fmt.Fprintf(stderr, "%s:%d: passed over %q: %s\n", path, s.Line, s.Title, s.Why)
	}
	folders := map[string]bool{}
	for _, s := range srcs {
		if s.Folder != "" {
			folders[s.Folder] = true
		}
	}
	heading := []string{fmt.Sprintf("From %s (%s): %s in %s.", path, cmp.Or(file.Title, "OPML"), textutil.Plural(int64(len(srcs)), "feed"), textutil.Plural(int64(len(folders)), "folder"))}
	if len(folders) > 0 {
		heading = append(heading, "A watcher reads a whole folder with folders: [NAME].")
	}
	if err := writeSources(stdout, heading, srcs); err != nil {
		fmt.Fprintln(stderr, "newsbot import:", err)
		return 1
	}
	fmt.Fprintf(stderr, "newsbot import: %s, %s passed over\n", textutil.Plural(int64(len(srcs)), "source"), textutil.Plural(int64(len(skipped)), "outline"))
	if len(srcs) == 0 {
		return 1
	}
	return 0
}

// exportOPML is newsbot export: the config's sources as OPML 2.0, in
// their folders.
func exportOPML(cfg *config.Config, stdout, stderr io.Writer) int {
	feeds := make([]opml.Feed, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		f := opml.Feed{Title: s.Name, Name: s.Name, URL: s.URL, Folder: s.Folder, Links: s.Links, NoRobots: s.Robots != nil && !*s.Robots}
		if s.MaxItems != cfg.MaxItems {
			f.MaxItems = s.MaxItems // its own (the config's is filled in where it has none)
		}
		if s.Type != news.SourceAuto {
			f.Type = string(s.Type)
		}
		feeds = append(feeds, f)
	}
	if err := opml.Write(stdout, "newsbot: "+cfg.Path(), feeds, time.Now()); err != nil {
		fmt.Fprintln(stderr, "newsbot export:", err)
		return 1
	}
	return 0
}

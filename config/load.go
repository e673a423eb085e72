package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Position is a place in the YAML file.
type Position struct{ Line, Col int }

// Problem is one thing wrong with the file.
type Problem struct {
	File  string
	Pos   Position
	Field string
	Msg   string
	// Warning: what may be a mistake, or not (Config.Warnings).
	Warning bool
}

// Problems is every problem found in a file; it is the error Load returns
// when the file is invalid.
type Problems []Problem

func (p Problem) String() string {
	field := p.Field
	if field == "" {
		field = "config"
	}
	msg := p.Msg
	if p.Warning {
		msg = "warning: " + msg
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Pos.Line, p.Pos.Col, field, msg)
}

// Sort puts problems in the order they stand in the file.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Pos.Line != ps[j].Pos.Line {
			return ps[i].Pos.Line < ps[j].Pos.Line
		}
		return ps[i].Pos.Col < ps[j].Pos.Col
	})
}

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads, decodes and validates the file at path. When the file is
// invalid the error is a Problems listing each problem.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse is Load on bytes already read; path is used in problem reports.
// When the file is invalid it returns the Config as far as it could be
// read along with the Problems, so that callers can check further and
// report everything at once; such a Config must not be run.
func Parse(path string, data []byte) (*Config, error) {
	c := &Config{path: path, pos: map[string]Position{"": {1, 1}}, lists: map[string][]string{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Problems{yamlProblem(path, data, err)}
	}
	d := decoder{file: path, pos: c.pos, lists: c.lists, unknownKeys: map[string]bool{}}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], c, "")
	}
	// A field that could not be decoded is reported once, for what is
	// wrong with it, not again as missing.
	ps := d.problems
	c.warnings = d.warnings
	c.setDefaults()
	for _, p := range c.validate() {
		if !d.failed(p.Field) {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		ps.Sort()
		return c, ps
	}
	c.compile()
	return c, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner), whose line numbers it gives counting from 0.
var yamlParserErrors = regexp.MustCompile(`^did not find expected (<document start>|node content|key|'-' indicator|',' or '\]'|',' or '\}')`)

func yamlProblem(path string, data []byte, err error) Problem {
	p := Problem{File: path, Pos: Position{1, 1}, Field: "yaml", Msg: err.Error()}
	// yaml.v3 names no column, and for a tab not always the line: a tab
	// in the indentation is the usual cause, so point at it.
	if strings.Contains(err.Error(), "cannot start any token") || strings.Contains(err.Error(), "tab") {
		for i, line := range strings.Split(string(data), "\n") {
			indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
			if col := strings.IndexByte(indent, '\t'); col >= 0 {
				p.Pos = Position{i + 1, col + 1}
				p.Msg = strings.TrimPrefix(yamlLine.ReplaceAllString(err.Error(), "$2"), "yaml: ") +
					": a tab in the indentation (YAML indents with spaces only)"
				return p
			}
		}
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &p.Pos.Line)
		p.Msg = m[2]
		if yamlParserErrors.MatchString(p.Msg) {
			p.Pos.Line++
		}
	}
	return p
}

// Warnings are what may be a mistake in the file, or not (a ${VAR} not
// set, a mention_on term the watcher does not have): validate shows them,
// run and once log them.
func (c *Config) Warnings() Problems { return c.warnings }

// Warn adds a warning at the field's place, for checks done outside
// this package.
func (c *Config) Warn(path, format string, args ...any) {
	p := c.Problem(path, format, args...)
	p.Warning = true
	c.warnings = append(c.warnings, p)
}

// Path is the file the config was read from.
func (c *Config) Path() string { return c.path }

// Pos is where the field at path (such as "watchers[nahost].keywords[2]")
// stands in the file, or the nearest enclosing field that does.
func (c *Config) Pos(path string) Position {
	for {
		if p, ok := c.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return c.pos[""]
		}
		path = path[:i]
	}
}

// Problem makes a Problem at the field path, for checks done outside this
// package (such as compiling keywords).
func (c *Config) Problem(path, format string, args ...any) Problem {
	return Problem{File: c.path, Pos: c.Pos(path), Field: path, Msg: fmt.Sprintf(format, args...)}
}

// Source returns the source named name.
func (c *Config) Source(name string) (Source, bool) {
	c.sourcesOnce.Do(func() {
		c.sourceIndex = make(map[string]int, len(c.Sources))
		for i := len(c.Sources) - 1; i >= 0; i-- { // the first of a name, as a scan finds it
			c.sourceIndex[c.Sources[i].Name] = i
		}
	})
	if i, ok := c.sourceIndex[name]; ok && i < len(c.Sources) && c.Sources[i].Name == name {
		return c.Sources[i], true
	}
	for _, s := range c.Sources { // changed since it was indexed
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// WatcherPath is the field path of the i-th watcher, by name where it has one.
func (c *Config) WatcherPath(i int) string { return c.elemPath("watchers", i) }

func (c *Config) elemPath(list string, i int) string {
	if ps := c.lists[list]; i < len(ps) {
		return ps[i]
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

// ErrNoWatcher is returned for a watcher name the config does not have.
var ErrNoWatcher = errors.New("no such watcher")

// Watcher returns the watcher named name.
func (c *Config) Watcher(name string) (*Watcher, error) {
	for i := range c.Watchers {
		if c.Watchers[i].Name == name {
			return &c.Watchers[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q (%s)", ErrNoWatcher, name, c.watcherNames())
}

// watcherNames says the watchers there are, for a name not among them.
func (c *Config) watcherNames() string {
	names := make([]string, len(c.Watchers))
	for i, w := range c.Watchers {
		names[i] = strconv.Quote(w.Name)
	}
	if len(names) == 0 {
		return "the config has none"
	}
	return "the config has " + strings.Join(names, ", ")
}

// WatcherSources are the names of the sources a watcher reads: those it
// names, then those of its folders, in the config's order, each once.
func (c *Config) WatcherSources(w *Watcher) []string {
	names := slices.Clone(w.Sources)
	for _, f := range w.Folders {
		for _, s := range c.Sources {
			if inFolder(s.Folder, f) && !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// inFolder reports whether a source's folder is f or one of its
// subfolders (f/...).
func inFolder(folder, f string) bool {
	return f != "" && (folder == f || strings.HasPrefix(folder, f+"/"))
}

func (c *Config) hasFolder(f string) bool {
	return slices.ContainsFunc(c.Sources, func(s Source) bool { return inFolder(s.Folder, f) })
}

// folderNames says the folders there are, for one not among them.
func (c *Config) folderNames() string {
	var names []string
	for _, s := range c.Sources {
		if s.Folder != "" && !slices.Contains(names, strconv.Quote(s.Folder)) {
			names = append(names, strconv.Quote(s.Folder))
		}
	}
	if len(names) == 0 {
		return "no source has a folder"
	}
	return "the folders are " + strings.Join(names, ", ")
}

package app

import (
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"github.com/newsbot/newsbot/config"
)

// newSource is a source newsbot discover or import proposes: what goes
// under sources: in config.yaml, and what is known of it, as comments.
type newSource struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Type   string `json:"type,omitempty"`
	Links  string `json:"links,omitempty"`
	Folder string `json:"folder,omitempty"`
	// NoRobots and MaxItems are robots: false and max_items.
	NoRobots bool `json:"robots_off,omitempty"`
	MaxItems int  `json:"max_items,omitempty"`
	// Notes say what it holds (items, newest, language, title, hub).
	Notes []string `json:"notes,omitempty"`
}

// writeSources writes a sources: block, ready to paste into config.yaml,
// each source with what is known of it as comments above it. With none,
// it writes nothing.
func writeSources(w io.Writer, heading []string, srcs []newSource) error {
	if len(srcs) == 0 {
		return nil
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range srcs {
		m := &yaml.Node{Kind: yaml.MappingNode, HeadComment: comment(s.Notes)}
		add := func(k, v, tag string) {
			if v != "" {
				// Tagged, so that a value such as null, ~ or 1e3 is written
				// quoted and read back as the string it is.
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v})
			}
		}
		add("name", noEnv(s.Name), "!!str")
		add("url", urlNoEnv(s.URL), "!!str")
		add("type", s.Type, "!!str")
		add("links", noEnv(s.Links), "!!str")
		add("folder", noEnv(s.Folder), "!!str")
		if s.NoRobots {
			add("robots", "false", "!!bool")
		}
		if s.MaxItems > 0 {
			add("max_items", strconv.Itoa(s.MaxItems), "!!int")
		}
		seq.Content = append(seq.Content, m)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode, HeadComment: comment(heading),
		Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "sources"}, seq}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// comment is lines as a YAML comment holds them: a character YAML
// refuses (a control character, as old exports have: &#146;) is U+FFFD.
func comment(lines []string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || unicode.IsPrint(r) {
			return r
		}
		return '\uFFFD'
	}, strings.Join(lines, "\n"))
}

// noEnv is a value with "${" made harmless: config.yaml puts the
// environment's variables where ${NAME} stands, and a feed's title or an
// OPML file's folder is no one's to name them (${SLACK_BOT_TOKEN}).
func noEnv(s string) string { return strings.ReplaceAll(s, "${", "$ {") }

// urlNoEnv is an address with its $, { and } percent-encoded, for the
// same reason: a feed's address with ${SLACK_BOT_TOKEN} in its query
// would send the token to its host at every check.
func urlNoEnv(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	return strings.NewReplacer("$", "%24", "{", "%7B", "}", "%7D").Replace(s)
}

// names gives sources names of their own: a simple name (letters,
// digits, . _ -) is kept as it is; anything else becomes one, from the
// words of the title (ä as ae, ß as ss), else from the address's host;
// a name taken (by the config, or an earlier source) gets -2, -3, ….
type names struct {
	taken map[string]bool
	next  map[string]int // by base, the suffix to try first
}

// namesOf are the names the config has taken.
func namesOf(cfg *config.Config) *names {
	n := &names{taken: map[string]bool{}, next: map[string]int{}}
	if cfg != nil {
		for _, s := range cfg.Sources {
			n.taken[s.Name] = true
		}
	}
	return n
}

var simpleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$`)

// adopt takes a newsbot export's own name as it is, instead of the name
// made of it, when no other source has it; it returns the name taken.
func (n *names) adopt(name, made string) string {
	if name == made || n.taken[name] || strings.TrimSpace(name) != name || name == "" || strings.Contains(name, "${") {
		return made
	}
	delete(n.taken, made)
	n.taken[name] = true
	return name
}

func (n *names) name(title, address string) string {
	base := strings.TrimSpace(title)
	if !simpleName.MatchString(base) {
		base = slug(base)
	}
	if base == "" {
		base = slug(hostOf(address))
	}
	if base == "" {
		base = "source"
	}
	name := base
	for i := max(n.next[base], 2); n.taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
		n.next[base] = i + 1
	}
	n.taken[name] = true
	return name
}

// slug is a title as a name: lower-case words of letters and digits,
// German spellings folded, joined by -, at most 40 characters.
func slug(s string) string {
	s = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss").Replace(s)
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Mn, r): // an accent, of a letter kept
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = strings.TrimRight(out[:40], "-")
		if i := strings.LastIndexByte(out, '-'); i > 20 {
			out = out[:i]
		}
	}
	return out
}

// hostOf is an address's host without "www.", "feeds." or "rss.".
func hostOf(address string) string {
	u, err := url.Parse(address)
	if err != nil {
		return ""
	}
	h := u.Hostname()
	for _, p := range []string{"www.", "feeds.", "feed.", "rss."} {
		h = strings.TrimPrefix(h, p)
	}
	return h
}

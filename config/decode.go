package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder fills a struct from a YAML node tree, recording where each field
// stands and every problem on the way, instead of stopping at the first.
type decoder struct {
	file     string
	pos      map[string]Position
	lists    map[string][]string // a list's path → its elements' paths
	problems Problems
	warnings Problems // what may be a mistake, or not
	// unknownKeys are the paths of unknown keys: problems that do not make
	// the fields around them unreadable.
	unknownKeys map[string]bool
}

// failed reports whether a problem was found at path, below it, or at a
// field that holds it.
func (d *decoder) failed(path string) bool {
	for _, p := range d.problems {
		if p.Field == "" || within(p.Field, path) || within(path, p.Field) && !isMapping(d, p.Field) {
			return true
		}
	}
	return false
}

// within reports whether path is field or a field under it.
func within(path, field string) bool {
	return path == field || strings.HasPrefix(path, field+".") || strings.HasPrefix(path, field+"[")
}

// isMapping reports whether the problem at field is about one of its keys
// (an unknown key), which leaves the rest of the mapping readable.
func isMapping(d *decoder, field string) bool {
	return d.unknownKeys[field]
}

func (d *decoder) bad(n *yaml.Node, path, format string, args ...any) {
	d.problems = append(d.problems, Problem{
		File: d.file, Pos: Position{n.Line, n.Column}, Field: path, Msg: fmt.Sprintf(format, args...),
	})
}

var durationType = reflect.TypeOf(Duration(0))

func (d *decoder) decode(n *yaml.Node, out any, path string) {
	d.value(n, reflect.ValueOf(out).Elem(), path)
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.pos[path] = Position{n.Line, n.Column}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch {
	case v.Type() == durationType:
		if !d.scalar(n, path, "a duration such as 24h") {
			return
		}
		dur, err := ParseDuration(d.expandEnv(n, path))
		if err != nil {
			d.bad(n, path, "%v", err)
			return
		}
		v.Set(reflect.ValueOf(dur))
	case v.Kind() == reflect.Struct:
		d.structure(n, v, path)
	case v.Kind() == reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.value(n, e.Elem(), path)
		v.Set(e)
	case v.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.bad(n, path, "expected a mapping of names, found %s", kindName(n))
			return
		}
		m := reflect.MakeMap(v.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := path + "." + k.Value
			if k.Kind != yaml.ScalarNode || k.Value == "" {
				d.bad(k, p, "expected a name")
				continue
			}
			if m.MapIndex(reflect.ValueOf(k.Value)).IsValid() {
				d.bad(k, p, "name %q given twice", k.Value)
			}
			e := reflect.New(v.Type().Elem()).Elem()
			d.value(val, e, p)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case v.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.bad(n, path, "expected a list, found %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		names := map[string]bool{}
		paths := make([]string, len(n.Content))
		for i, item := range n.Content {
			// Elements are named by their name, unless an earlier one
			// took it: then by their index, so that each has its own path.
			name := nameOf(item)
			if names[name] {
				name = ""
			}
			names[name] = true
			paths[i] = elemPath(path, i, name)
			d.value(item, s.Index(i), paths[i])
		}
		d.lists[path] = paths
		v.Set(s)
	case v.Kind() == reflect.String:
		if d.scalar(n, path, "a string") {
			v.SetString(d.expandEnv(n, path))
		}
	case v.Kind() == reflect.Int, v.Kind() == reflect.Float64, v.Kind() == reflect.Bool:
		d.parsed(n, v, path)
	default:
		panic(fmt.Sprintf("config: no decoder for %s", v.Type()))
	}
}

// parsed reads a number or a yes or no into v.
func (d *decoder) parsed(n *yaml.Node, v reflect.Value, path string) {
	want, wrong := "a number", "expected a whole number, found %q"
	switch v.Kind() {
	case reflect.Float64:
		wrong = "expected a number such as 2.5, found %q"
	case reflect.Bool:
		want, wrong = "true or false", "expected true or false, found %q"
	}
	if !d.scalar(n, path, want) {
		return
	}
	s := d.expandEnv(n, path)
	var err error
	switch v.Kind() {
	case reflect.Int:
		var i int
		i, err = strconv.Atoi(s)
		v.SetInt(int64(i))
	case reflect.Float64:
		var f float64
		f, err = strconv.ParseFloat(s, 64)
		v.SetFloat(f)
	case reflect.Bool:
		var b bool
		b, err = strconv.ParseBool(s)
		v.SetBool(b)
	}
	if err != nil {
		d.bad(n, path, wrong, n.Value)
	}
}

func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		d.bad(n, path, "expected %s, found %s", want, kindName(n))
		return false
	}
	return true
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.bad(n, path, "expected a mapping of keys, found %s", kindName(n))
		return
	}
	fields := map[string]int{}
	var known []string
	for i := 0; i < v.NumField(); i++ {
		tag := strings.Split(v.Type().Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = i
		known = append(known, tag)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := k.Value
		if path != "" {
			p = path + "." + k.Value
		}
		f, ok := fields[k.Value]
		if !ok {
			d.bad(k, p, "unknown key %q (known keys: %s)", k.Value, strings.Join(known, ", "))
			d.unknownKeys[p] = true
			continue
		}
		if seen[k.Value] {
			d.bad(k, p, "key %q given twice", k.Value)
		}
		seen[k.Value] = true
		d.value(val, v.Field(f), p)
		// Point problems about a field at its value, but keep the key's
		// position for fields with no value.
		if _, ok := d.pos[p]; !ok {
			d.pos[p] = Position{k.Line, k.Column}
		}
	}
}

// nameOf is the "name" of a list element, to name it in field paths.
func nameOf(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", n.Value)
	}
}

// optionalEmpty are the fields whose empty value is a choice newsbot
// says itself when it starts (no token: alerts printed): a ${VAR} that
// is all of one and not set is not warned of.
var optionalEmpty = map[string]bool{
	"slack.token": true, "slack.app_token": true, "slack.signing_secret": true, "slack.webhook_url": true,
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} in the node's value with the variable's
// value; a variable that is not set is said (a warning: empty may be
// meant). A bare $ is kept, so that keywords such as "$100" mean what
// they say.
func (d *decoder) expandEnv(n *yaml.Node, path string) string {
	s := n.Value
	if !strings.Contains(s, "${") {
		return s
	}
	return envRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := os.LookupEnv(name)
		if !ok && !(optionalEmpty[path] && ref == s) {
			d.warnings = append(d.warnings, Problem{File: d.file, Pos: Position{n.Line, n.Column}, Field: path, Warning: true,
				Msg: fmt.Sprintf("%s is not set in the environment: the value is empty", ref)})
		}
		return v
	})
}

// Command configschema writes the JSON Schema of newsbot's config.yaml,
// made from the config types (package config) and their comments:
//
//	go run ./cmd/configschema > config.schema.json
//
// config.yaml names the schema on its first line, so that editors with a
// YAML language server complete and check the file. The tests check that
// config.schema.json is what this writes, that it takes the shipped
// config, and that it refuses wrong ones.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"

	"github.com/invopop/jsonschema"

	"github.com/newsbot/newsbot/config"
)

func main() {
	b, err := schema()
	if err != nil {
		fmt.Fprintln(os.Stderr, "configschema:", err)
		os.Exit(1)
	}
	os.Stdout.Write(b)
}

// envVar is a value the environment gives (${VAR}): newsbot expands it in
// any value, numbers and yes-or-no included.
const envVar = `\$\{[A-Za-z_][A-Za-z0-9_]*\}`

// durationPattern is a duration as config.ParseDuration reads it ("90s",
// "1h30m", "2d"), or a ${VAR}.
const durationPattern = `^\s*(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+|[0-9]+(\.[0-9]+)?d|` + envVar + `)\s*$`

// fromEnv is a string that is only a ${VAR}, for a value of another type.
var fromEnv = &jsonschema.Schema{Type: "string", Pattern: `^\s*` + envVar + `\s*$`}

// schema is the JSON Schema of config.Config, indented, with a final
// newline.
func schema() ([]byte, error) {
	r := &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		DoNotReference:             true,
		ExpandedStruct:             true,
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			if t == reflect.TypeFor[config.Duration]() {
				return &jsonschema.Schema{
					Description: `A duration: "90s", "5m", "1h30m", "2d".`,
					OneOf: []*jsonschema.Schema{
						{Type: "string", Pattern: durationPattern},
						{Type: "integer", Enum: []any{0}},
					},
				}
			}
			switch t.Kind() {
			case reflect.Int, reflect.Int64:
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "integer"}, fromEnv}}
			case reflect.Float64:
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "number"}, fromEnv}}
			case reflect.Bool:
				// newsbot reads yes or no as Go does: 1 and 0 too.
				return &jsonschema.Schema{OneOf: []*jsonschema.Schema{{Type: "boolean"}, {Type: "integer", Enum: []any{0, 1}}, fromEnv}}
			}
			return nil
		},
	}
	// The config types' comments are the schema's descriptions.
	if _, file, _, ok := runtime.Caller(0); ok {
		dir := filepath.Join(filepath.Dir(file), "..", "..", "config")
		if err := commentsFrom(r, dir); err != nil {
			return nil, err
		}
	}
	s := r.Reflect(&config.Config{})
	emptyIsDefault(s)
	s.ID = "https://github.com/newsbot/newsbot/config.schema.json"
	s.Title = "newsbot config.yaml"
	s.Description = "Sources to check, watchers that look for keywords in them, and where alerts go. `newsbot validate` checks what a schema cannot (schedules, selectors, time zones, names)."
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// commentsFrom reads the comments of package config's source in dir:
// AddGoComments walks a path relative to the working directory, and
// names packages by it.
func commentsFrom(r *jsonschema.Reflector, dir string) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if err := os.Chdir(filepath.Dir(dir)); err != nil {
		return err
	}
	defer os.Chdir(wd)
	return r.AddGoComments("github.com/newsbot/newsbot", "./"+filepath.Base(dir), jsonschema.WithFullComment())
}

// emptyIsDefault lets each choice of strings be empty too, as newsbot
// reads "" as the default (a choice of one, summarize.provider: openai,
// has none), or a ${VAR}, which newsbot expands in any string.
func emptyIsDefault(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if _, ok := firstString(s.Enum); ok {
		choice := &jsonschema.Schema{Type: "string", Enum: s.Enum}
		if len(s.Enum) > 1 {
			choice.Enum = append(choice.Enum, "")
		}
		s.Type, s.Enum = "", nil
		s.OneOf = []*jsonschema.Schema{choice, fromEnv}
		return
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			emptyIsDefault(p.Value)
		}
	}
	emptyIsDefault(s.Items)
	emptyIsDefault(s.AdditionalProperties)
	for _, o := range s.OneOf {
		emptyIsDefault(o)
	}
}

func firstString(vs []any) (string, bool) {
	if len(vs) == 0 {
		return "", false
	}
	v, ok := vs[0].(string)
	return v, ok
}

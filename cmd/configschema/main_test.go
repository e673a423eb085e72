package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/newsbot/newsbot/config"
)

const schemaFile = "../../config.schema.json"

// The checked-in schema is what the config types make now.
func TestSchemaIsUpToDate(t *testing.T) {
	want, err := schema()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("config.schema.json is not what the config types make: run go run ./cmd/configschema > config.schema.json")
	}
}

// compiled is the checked-in schema, ready to validate.
func compiled(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("config.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("config.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validate checks a YAML config against the schema, as an editor does.
func validate(t *testing.T, s *jsonschema.Schema, path string) error {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// Through JSON, as the validator takes JSON's types.
	j, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// The shipped config and one with every key, which newsbot takes, the
// schema takes too; and the shipped config names the schema for editors.
func TestSchemaTakesGoodConfigs(t *testing.T) {
	s := compiled(t)
	for _, path := range []string{"../../config.yaml", "testdata/full.yaml"} {
		t.Setenv("SLACK_BOT_TOKEN", "xoxb-1")
		t.Setenv("NEWSBOT_HTTP_TIMEOUT", "20s")
		if _, err := config.Load(path); err != nil {
			t.Fatalf("newsbot refuses %s: %v", path, err)
		}
		if err := validate(t, s, path); err != nil {
			t.Errorf("the schema refuses %s:\n%v", path, err)
		}
	}
	b, _ := os.ReadFile("../../config.yaml")
	if first, _, _ := strings.Cut(string(b), "\n"); first != "# yaml-language-server: $schema=./config.schema.json" {
		t.Errorf("config.yaml's first line is %q, want the schema's name for editors", first)
	}
}

// What newsbot takes in any value, the schema takes too: ${VAR} for a
// number, a yes or no, a duration or a choice; "" for a choice (its
// default); 0 and 1 for no and yes.
func TestSchemaTakesEnvAndDefaults(t *testing.T) {
	s := compiled(t)
	t.Setenv("MB", "1048576")
	t.Setenv("ROBOTS", "false")
	t.Setenv("FACTOR", "2.5")
	t.Setenv("WINDOW", "2h")
	path := filepath.Join(t.TempDir(), "config.yaml")
	t.Setenv("FIRST_RUN", "alert")
	os.WriteFile(path, []byte(`first_run: ${FIRST_RUN}
http:
  max_body: ${MB}
  robots: ${ROBOTS}
  allow_private_networks: 0
sources:
  - {name: a, url: "https://rr.example/feed.xml", type: ""}
  - {name: b, url: "https://rr.example/b.xml", type: feed}
watchers:
  - name: w
    schedule: "@hourly"
    sources: [a]
    keywords: [Syrien]
    channel: "#c"
    spike:
      factor: ${FACTOR}
      window: ${WINDOW}
`), 0o644)
	if _, err := config.Load(path); err != nil {
		t.Fatalf("newsbot refuses it: %v", err)
	}
	if err := validate(t, s, path); err != nil {
		t.Errorf("the schema refuses it:\n%v", err)
	}
	// A duration with a ${VAR} and more is not a duration.
	os.WriteFile(path, []byte("max_age: \"soon ${X}\"\n"), 0o644)
	if err := validate(t, s, path); err == nil || !strings.Contains(err.Error(), "/max_age") {
		t.Errorf("the schema takes max_age: \"soon ${X}\": %v", err)
	}
}

// Configs that newsbot refuses for a wrong key, type, choice or missing
// field, the schema refuses too, at the same place.
func TestSchemaRefusesBadConfigs(t *testing.T) {
	s := compiled(t)
	for file, where := range map[string]string{
		"unknown-key-top.yaml":     "stroage",
		"unknown-key-slack.yaml":   "chanel",
		"unknown-key-source.yaml":  "link",
		"unknown-key-watcher.yaml": "excludes",
		"keywords-not-list.yaml":   "/watchers/0/keywords",
		"sources-not-list.yaml":    "/watchers/0/sources",
		"slack-not-mapping.yaml":   "/slack",
		"max-body-not-number.yaml": "/http/max_body",
		"bad-duration.yaml":        "/max_age",
		"bad-first-run.yaml":       "/first_run",
		"bad-type.yaml":            "/sources/0/type",
		"source-without-url.yaml":  "url",
		"bad-summarize.yaml":       "/summarize",
	} {
		path := filepath.Join("../../config/testdata", file)
		if _, err := config.Load(path); err == nil {
			t.Fatalf("newsbot takes %s", path)
		}
		err := validate(t, s, path)
		if err == nil {
			t.Errorf("the schema takes %s", file)
			continue
		}
		if !strings.Contains(err.Error(), where) {
			t.Errorf("%s: the schema refuses it, but not at %s:\n%v", file, where, err)
		}
	}
}

package config

import (
	"cmp"
	"path/filepath"
	"strings"
	"time"
)

// setDefaults fills in what the file leaves out, before validation. A
// key whose zero value means something (story_window: 0s is "never")
// takes its default only when it is not in the file at all.
func (c *Config) setDefaults() {
	c.Storage = cmp.Or(c.Storage, DefaultStorage)
	// A relative storage path is the config file's neighbour, wherever
	// newsbot is started from.
	if !filepath.IsAbs(c.Storage) && !strings.Contains(c.Storage, "://") && c.path != "" {
		c.Storage = filepath.Join(filepath.Dir(c.path), c.Storage)
	}
	c.FirstRun = cmp.Or(c.FirstRun, FirstRunSkip)
	c.MaxItems = cmp.Or(c.MaxItems, DefaultMaxItems)
	for i := range c.Sources {
		c.Sources[i].MaxItems = cmp.Or(c.Sources[i].MaxItems, c.MaxItems)
	}
	if !c.set("story_window") {
		c.StoryWindow = Duration(DefaultStoryWindow)
	}
	c.Slack.APIURL = cmp.Or(c.Slack.APIURL, DefaultSlackAPIURL)
	if !c.set("slack.pace") {
		c.Slack.Pace = Duration(DefaultPace)
	}
	c.Slack.Timeout = cmp.Or(c.Slack.Timeout, Duration(DefaultTimeout))
	if s := c.Summarize; s != nil {
		s.MaxTokens = cmp.Or(s.MaxTokens, 200)
		s.Timeout = cmp.Or(s.Timeout, Duration(20*time.Second))
		s.DailyBudget = cmp.Or(s.DailyBudget, 200)
	}
	c.Polling.Fastest = cmp.Or(c.Polling.Fastest, Duration(DefaultFastest))
	c.WebSub.Lease = cmp.Or(c.WebSub.Lease, Duration(DefaultLease))
	h := &c.HTTP
	h.Timeout = cmp.Or(h.Timeout, Duration(DefaultTimeout))
	h.MaxBody = cmp.Or(h.MaxBody, DefaultMaxBody)
	h.Parallel = cmp.Or(h.Parallel, DefaultParallel)
	h.HostConnections = cmp.Or(h.HostConnections, DefaultHostConnections)
	if !c.set("http.host_interval") {
		h.HostInterval = Duration(DefaultHostInterval)
	}
	for i := range c.Watchers {
		w := &c.Watchers[i]
		if sp := w.Spike; sp != nil {
			sp.Window = cmp.Or(sp.Window, Duration(time.Hour))
			sp.Factor = cmp.Or(sp.Factor, 3)
			sp.Min = cmp.Or(sp.Min, 5)
		}
		// A webhook posts to its own channel: none need be named.
		if w.Channel == "" && (c.Slack.Channel != "" || c.Slack.WebhookURL != "") {
			w.Channel = cmp.Or(c.Slack.Channel, "webhook")
		}
	}
}

// set reports whether the file has the key at path.
func (c *Config) set(path string) bool {
	_, ok := c.pos[path]
	return ok
}

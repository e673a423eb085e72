package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// compile readies a valid config for use: its time zone loaded, its
// Slack API URL as a base that paths join. Schedules and quiet hours are
// parsed by those who keep them (Schedule, DigestSchedule, ParseQuiet),
// with the same functions that validated them.
func (c *Config) compile() {
	c.loc = time.Local
	if c.Timezone != "" {
		if loc, err := time.LoadLocation(c.Timezone); err == nil {
			c.loc = loc
		}
	}
	if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/"
	}
}

// Location is the time zone schedules and quiet hours are in: timezone,
// or the system's.
func (c *Config) Location() *time.Location {
	if c.loc == nil {
		return time.Local
	}
	return c.loc
}

// CronParser is the parser for watcher schedules: five fields, or a
// descriptor such as @hourly or @every 2m, optionally after CRON_TZ=.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// MinIntervalEnv names the environment variable that lowers MinInterval
// (a duration such as 1s), for tests that cannot wait minutes.
const MinIntervalEnv = "NEWSBOT_MIN_INTERVAL"

// MinInterval is the shortest interval between a watcher's checks: a
// minute, unless MinIntervalEnv says less. "@every 1ms" would check, and
// fetch, every second.
func MinInterval() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(MinIntervalEnv)); err == nil && d > 0 {
		return d
	}
	return time.Minute
}

// Schedule parses a watcher's schedule, in the config's time zone unless
// it names its own. An interval under MinInterval is refused.
func (c *Config) Schedule(spec string) (cron.Schedule, error) {
	s, err := CronParser.Parse(scheduleInZone(spec, c.Timezone))
	if err != nil {
		return nil, err
	}
	// Only @every can be shorter than a cron spec's minute (cron.Every
	// makes anything under a second a second).
	if e, ok := s.(cron.ConstantDelaySchedule); ok {
		_, every, _ := strings.Cut(spec, "@every")
		if d, err := time.ParseDuration(strings.TrimSpace(every)); err == nil && d <= 0 {
			return nil, fmt.Errorf("an interval must be more than 0")
		}
		if min := MinInterval(); e.Delay < min {
			return nil, fmt.Errorf("it runs more often than every %s, the least interval (%s lowers it, for tests)", shortDuration(min), MinIntervalEnv)
		}
	}
	return s, nil
}

// DigestSchedule parses a watcher's digest: an interval of a minute or
// more ("30m"), or a schedule as Schedule reads it.
func (c *Config) DigestSchedule(spec string) (cron.Schedule, error) {
	if d, err := time.ParseDuration(spec); err == nil {
		if d < time.Minute {
			return nil, fmt.Errorf("interval %s is shorter than a minute", spec)
		}
		return cron.Every(d), nil
	}
	s, err := c.Schedule(spec)
	if _, perr := CronParser.Parse(spec); err != nil && perr == nil {
		return nil, fmt.Errorf("invalid digest schedule %q: %v", spec, err) // too often
	}
	if err != nil {
		return nil, fmt.Errorf("invalid digest schedule %q: give a cron spec such as \"0 8 * * *\" or an interval such as \"30m\"", spec)
	}
	return s, nil
}

// scheduleInZone puts a schedule in the config's timezone unless it names its own.
func scheduleInZone(spec, tz string) string {
	spec = strings.TrimSpace(spec)
	if tz == "" || strings.HasPrefix(spec, "CRON_TZ=") || strings.HasPrefix(spec, "TZ=") {
		return spec
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return spec
	}
	return "CRON_TZ=" + tz + " " + spec
}

// Quiet is a daily window of quiet hours, in minutes after midnight; the
// zero Quiet is none.
type Quiet struct{ From, To int }

// ParseQuiet reads "22:00-07:00"; "" is none.
func ParseQuiet(s string) (Quiet, error) {
	if s == "" {
		return Quiet{}, nil
	}
	a, b, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), "-")
	if !ok {
		return Quiet{}, fmt.Errorf("want a window such as \"22:00-07:00\", not %q", s)
	}
	parse := func(hm string) (int, error) {
		t, err := time.Parse("15:04", hm)
		if err != nil {
			return 0, fmt.Errorf("want a window such as \"22:00-07:00\", not %q", s)
		}
		return t.Hour()*60 + t.Minute(), nil
	}
	from, err := parse(a)
	if err != nil {
		return Quiet{}, err
	}
	to, err := parse(b)
	if err != nil {
		return Quiet{}, err
	}
	if from == to {
		return Quiet{}, fmt.Errorf("%q is an empty window", s)
	}
	return Quiet{from, to}, nil
}

// Until returns when the quiet hours that t falls in end (in t's zone),
// or the zero time when t is not in them.
func (q Quiet) Until(t time.Time) time.Time {
	if q.From == q.To {
		return time.Time{}
	}
	m := t.Hour()*60 + t.Minute()
	var in bool
	if q.From < q.To {
		in = m >= q.From && m < q.To
	} else { // over midnight
		in = m >= q.From || m < q.To
	}
	if !in {
		return time.Time{}
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	end := day.Add(time.Duration(q.To) * time.Minute)
	if !end.After(t) {
		end = end.AddDate(0, 0, 1)
	}
	return end
}

// shortDuration is d as a config writes it: 1m, not 1m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

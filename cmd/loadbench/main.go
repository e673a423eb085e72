// Command loadbench measures newsbot on a large local news site: a
// first cycle over thousands of feeds, then steady-state cycles where a
// few feeds have a new item and the rest answer 304. The site runs in a
// process of its own (this command with -serve), so that the figures are
// newsbot's alone: wall time, CPU seconds (getrusage), peak resident
// memory and the requests it made.
//
// Two shapes, as users run newsbot:
//
//   - -mode once: a fresh `newsbot once` process each cycle, as a cron
//     job runs it (built from this module, or -newsbot); its CPU and peak
//     memory are the child's.
//   - -mode daemon: the cycles in this process, as `newsbot run` ticks
//     (peak memory is VmHWM, reset each cycle).
//
// Each cycle is followed by the floor: a plain Go client making the same
// conditional requests and nothing else (-bare=false leaves it out);
// the line gives newsbot's time as a multiple of it.
//
//	go run ./cmd/loadbench -mode once -feeds 1000
//	go run ./cmd/loadbench -mode daemon -feeds 10000 -cycles 5
//	go run ./cmd/loadbench -mode once -feeds 200 -one-host
//
// Each feed has its own loopback address (127.0.x.y), as feeds of
// different publishers have different hosts (-one-host: all on
// 127.0.0.1, as a publisher's section feeds are); article pages are the
// real pages of ../shared/corpus/pages when it is there.
//
// LOADBENCH_MEMSTATS=1 adds Go's own account of its memory: at rest
// before each cycle (the heap live, its pages in use, idle and given
// back) and at the end.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	_ "net/http/pprof" // -pprof
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/newsbot/newsbot/app"
	"github.com/newsbot/newsbot/pipeline"
	fetching "github.com/newsbot/newsbot/watchers"
)

func main() {
	serve := flag.Bool("serve", false, "serve the news site (used by loadbench itself)")
	feeds := flag.Int("feeds", 1000, "feeds, each on its own loopback address")
	items := flag.Int("items", 30, "items per feed")
	watchers := flag.Int("watchers", 100, "watchers")
	terms := flag.Int("terms", 10, "terms per watcher")
	perWatcher := flag.Int("sources", 0, "sources each watcher reads (0: the feeds shared out, each read by one watcher)")
	cycles := flag.Int("cycles", 10, "steady-state cycles after the first")
	changed := flag.Float64("changed", 0.01, "share of feeds with a new item in each steady-state cycle")
	corpusDir := flag.String("corpus", "../shared/corpus", "the corpus whose pages are the articles")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the steady-state cycles here")
	memprofile := flag.String("memprofile", "", "write a heap profile after the last cycle here")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof here (such as 127.0.0.1:6060) while it runs")
	storage := flag.String("storage", "", "the store (a SQLite file or a postgres:// URL); default: a new file in a temporary folder")
	mode := flag.String("mode", "once", "once: a fresh newsbot once process each cycle (cron); daemon: the cycles in this process (newsbot run)")
	oneHost := flag.Bool("one-host", false, "all feeds on one host (127.0.0.1) instead of each on its own")
	newsbot := flag.String("newsbot", "", "the newsbot binary for -mode once (default: built from this module)")
	withBare := flag.Bool("bare", true, "after each cycle, the floor: a plain client making the same conditional requests")
	robotsTTL := flag.Duration("robots-ttl", 0, "-mode daemon: keep robots.txt this long (24h in newsbot), so that it expires during the run")
	expireRobots := flag.Int("expire-robots", 0, "-mode once: before this cycle, mark every robots.txt the store keeps expired (all at once: the worst case)")
	flag.Parse()
	oneHostSite = *oneHost
	if *serve {
		serveSite(*feeds, *items, *corpusDir)
		return
	}
	app.TuneGC() // as newsbot does
	if *pprofAddr != "" {
		runtime.SetBlockProfileRate(int(time.Millisecond))
		runtime.SetMutexProfileFraction(10)
		go http.ListenAndServe(*pprofAddr, nil)
	}

	port, stop := startSite(*feeds, *items, *corpusDir)
	defer stop()

	dir, err := os.MkdirTemp("", "loadbench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if *storage == "" {
		*storage = filepath.Join(dir, "newsbot.db")
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(*storage, port, *feeds, *watchers, *terms, *perWatcher)), 0o644); err != nil {
		log.Fatal(err)
	}
	floor := newBare()
	urls := feedURLs(port, *feeds, *oneHost)
	bareLine := func(took time.Duration) {
		if !*withBare {
			return
		}
		r0 := stats(port)
		b := floor.cycle(urls)
		r1 := stats(port)
		fmt.Printf("%-8s %8.2f %8s %9s %9s %9s %8d %8d   newsbot took %.1f× the floor\n", "  floor", b.Seconds(), "-", "-", "-", "-",
			r1.Requests-r0.Requests, r1.NotModified-r0.NotModified, took.Seconds()/max(b.Seconds(), 1e-9))
	}
	if *mode == "once" {
		bin := *newsbot
		if bin == "" {
			bin = buildNewsbot(dir)
		}
		fmt.Printf("newsbot loadbench, a newsbot once process a cycle: %d feeds of %d items on %s, %d watchers of %d terms, %d CPUs, %s\n",
			*feeds, *items, hostsSaid(*oneHost), *watchers, *terms, runtime.NumCPU(), runtime.Version())
		fmt.Printf("%-8s %8s %8s %9s %9s %9s %8s %8s   %s\n", "cycle", "wall s", "CPU s", "", "peak MB", "", "reqs", "304s", "newsbot once's last line")
		bareLine(onceCycle(bin, cfgPath, port, "first"))
		for i := 1; i <= *cycles; i++ {
			http.Get(fmt.Sprintf("http://127.0.0.1:%s/advance?changed=%g", port, *changed))
			name := strconv.Itoa(i)
			if i == *expireRobots {
				expireAllRobots(*storage)
				name += "*"
			}
			bareLine(onceCycle(bin, cfgPath, port, name))
		}
		if *expireRobots > 0 {
			fmt.Println("* every robots.txt expired before this cycle")
		}
		return
	}
	if *robotsTTL > 0 {
		fetching.RobotsTTL = *robotsTTL
	}
	cfg, ws, err := app.Load(cfgPath)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	// As newsbot run does: with a lease on each source check, and the
	// metrics counted.
	a, err := app.New(ctx, cfg, ws, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard,
		Leasing: true, Metrics: app.NewMetrics()})
	if err != nil {
		log.Fatal(err)
	}
	defer a.Close()

	fmt.Printf("newsbot loadbench, cycles in one process (newsbot run): %d feeds of %d items on %s, %d watchers of %d terms, %d CPUs, %s\n",
		*feeds, *items, hostsSaid(*oneHost), *watchers, *terms, runtime.NumCPU(), runtime.Version())
	fmt.Printf("%-8s %8s %8s %9s %9s %9s %8s %8s %8s %8s\n", "cycle", "wall s", "CPU s", "rest MB", "peak MB", "heap MB", "reqs", "304s", "new", "alerts")
	cycle := func(name string) { bareLine(runCycle(ctx, a, ws, port, name)) }
	cycle("first")
	if os.Getenv("LOADBENCH_MEMSTATS") != "" {
		defer func() {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Printf("heap in use %.0f MB, heap idle not released %.0f MB, stacks %.0f MB, other runtime %.0f MB, goroutines %d\n",
				float64(m.HeapInuse)/(1<<20), float64(m.HeapIdle-m.HeapReleased)/(1<<20), float64(m.StackSys)/(1<<20),
				float64(m.Sys-m.HeapSys-m.StackSys)/(1<<20), runtime.NumGoroutine())
		}()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	for i := 1; i <= *cycles; i++ {
		http.Get(fmt.Sprintf("http://127.0.0.1:%s/advance?changed=%g", port, *changed))
		cycle(strconv.Itoa(i))
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC()
		pprof.WriteHeapProfile(f)
		f.Close()
	}
}

// startSite starts the news site in a process of its own, which goes
// when loadbench does, however it ends, and returns its port.
func startSite(feeds, items int, corpusDir string) (port string, stop func()) {
	site := exec.Command(os.Args[0], "-serve", "-feeds", strconv.Itoa(feeds), "-items", strconv.Itoa(items), "-corpus", corpusDir)
	site.Stderr = os.Stderr
	site.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := site.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := site.Start(); err != nil {
		log.Fatal(err)
	}
	if _, err := fmt.Fscanln(out, &port); err != nil {
		site.Process.Kill()
		log.Fatalf("the site did not start: %v", err)
	}
	return port, func() { site.Process.Kill() }
}

// runCycle runs one cycle (a tick of every watcher) and prints a line of
// what it took.
func runCycle(ctx context.Context, a *app.App, ws []*pipeline.Watcher, port, name string) time.Duration {
	// Ticks are minutes apart, in which Go gives freed memory back to
	// the system; here they come back to back, so that is done now.
	debug.FreeOSMemory()
	rest := statusMB("VmRSS:")
	if os.Getenv("LOADBENCH_MEMSTATS") != "" {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Printf("at rest: heap alloc %.0f MB, in use %.0f MB, idle %.0f MB, released %.0f MB, stacks %.0f MB, sys %.0f MB\n", float64(m.HeapAlloc)/(1<<20),
			float64(m.HeapInuse)/(1<<20), float64(m.HeapIdle)/(1<<20), float64(m.HeapReleased)/(1<<20), float64(m.StackSys)/(1<<20), float64(m.Sys)/(1<<20))
	}
	resetPeak()
	before, r0 := rusage(), stats(port)
	start := time.Now()
	st := &pipeline.Stats{}
	a.Tick(ctx, ws, st)
	wall := time.Since(start)
	cpu, r1 := rusage()-before, stats(port)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Printf("%-8s %8.2f %8.2f %9.1f %9.1f %9.1f %8d %8d %8d %8d\n", name, wall.Seconds(), cpu.Seconds(), rest, statusMB("VmHWM:"), float64(m.HeapAlloc)/(1<<20),
		r1.Requests-r0.Requests, r1.NotModified-r0.NotModified, st.New.Load(), st.Matches.Load())
	return wall
}

// config is a config of watchers that share the feeds out (or each read
// perWatcher of them), with terms drawn from news words.
func config(storage, port string, feeds, watchers, terms, perWatcher int) string {
	var b strings.Builder
	// http: newsbot's defaults, but that the site is on loopback.
	fmt.Fprintf(&b, "storage: %q\nfirst_run: skip\nslack: {channel: \"#bench\"}\nhttp: {timeout: 10s, allow_private_networks: true}\nsources:\n", storage)
	for f, u := range feedURLs(port, feeds, oneHostSite) {
		fmt.Fprintf(&b, "  - {name: f%d, url: %q}\n", f, u)
	}
	b.WriteString("watchers:\n")
	r := rand.New(rand.NewPCG(7, 7))
	for w := range watchers {
		var srcs []string
		if perWatcher > 0 {
			for range perWatcher {
				srcs = append(srcs, fmt.Sprintf("f%d", r.IntN(feeds)))
			}
		} else {
			for f := w; f < feeds; f += watchers {
				srcs = append(srcs, fmt.Sprintf("f%d", f))
			}
		}
		if len(srcs) == 0 {
			srcs = []string{"f0"}
		}
		var ts []string
		for range terms {
			ts = append(ts, strconv.Quote(newsWords[r.IntN(len(newsWords))]))
		}
		fmt.Fprintf(&b, "  - {name: w%d, schedule: \"@every 5m\", sources: [%s], keywords: [%s]}\n", w, strings.Join(dedupe(srcs), ", "), strings.Join(dedupe(ts), ", "))
	}
	return b.String()
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// feedHost is feed f's own loopback address, or 127.0.0.1 for all.
func feedHost(f int, oneHost bool) string {
	if oneHost {
		return "127.0.0.1"
	}
	return fmt.Sprintf("127.0.%d.%d", 1+f/250, 1+f%250)
}

// oneHostSite: the feeds are all on one host (-one-host).
var oneHostSite bool

func hostsSaid(oneHost bool) string {
	if oneHost {
		return "one host"
	}
	return "a host each"
}

var newsWords = strings.Fields(`Regierung Polizei Berlin Bundestag Kanzler Ukraine Russland China Syrien Israel Gaza Iran Klima
Energie Strom Gas Inflation Zinsen Wahl Parteien SPD CDU Grüne AfD Trump Biden Brexit London Paris Macron Europa Brüssel
Migration Flüchtlinge Grenze Gericht Urteil Streik Bahn Lufthansa Corona Impfung Krankenhaus Schule Universität Forschung
Wirtschaft Arbeitsmarkt Export Autoindustrie Volkswagen Tesla Apple Google Amazon Facebook Twitter Internet Datenschutz
Hitze Dürre Hochwasser Waldbrand Erdbeben Unfall Anschlag Terror Armee NATO Krieg Frieden Waffenruhe Verhandlungen
government police election minister president court strike climate energy inflation economy health vaccine
Ukraine Russia China Syria Israel Iran Brexit Trump Biden Johnson parliament Congress Senate football Olympics`)

// The site.

type siteStats struct{ Requests, NotModified, Articles int64 }

func stats(port string) siteStats {
	var s siteStats
	resp, err := http.Get("http://127.0.0.1:" + port + "/stats")
	if err != nil {
		return s
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(&s)
	return s
}

func serveSite(feeds, items int, corpusDir string) {
	pages := loadPages(corpusDir)
	var reqs, notMod, arts atomic.Int64
	var mu sync.Mutex
	extra := make([]int, feeds) // new items each feed has had
	r := rand.New(rand.NewPCG(1, 1))
	start := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(siteStats{reqs.Load(), notMod.Load(), arts.Load()})
	})
	mux.HandleFunc("/advance", func(w http.ResponseWriter, req *http.Request) {
		share, _ := strconv.ParseFloat(req.URL.Query().Get("changed"), 64)
		mu.Lock()
		for range int(float64(feeds)*share + 0.5) {
			extra[r.IntN(feeds)]++
		}
		mu.Unlock()
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		reqs.Add(1)
		w.Write([]byte("User-agent: *\nAllow: /\n"))
	})
	mux.HandleFunc("/feed/", func(w http.ResponseWriter, req *http.Request) {
		reqs.Add(1)
		f, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(req.URL.Path, "/feed/"), ".xml"))
		if err != nil || f < 0 || f >= feeds {
			http.NotFound(w, req)
			return
		}
		mu.Lock()
		n := extra[f]
		mu.Unlock()
		etag := fmt.Sprintf(`"f%d-%d"`, f, n)
		w.Header().Set("ETag", etag)
		if req.Header.Get("If-None-Match") == etag {
			notMod.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed %d</title><link>http://%s/</link>`, f, req.Host)
		for i := items + n - 1; i >= n; i-- {
			p := pages[(f*7919+i)%len(pages)]
			at := start.Add(time.Duration(i-items) * time.Hour)
			fmt.Fprintf(&b, `<item><title>%s</title><link>/a/%d/%d.html</link><guid>f%d-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
				xmlEscape(p.title), f, i, f, i, at.Format(time.RFC1123Z), xmlEscape(p.teaser))
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/a/", func(w http.ResponseWriter, req *http.Request) {
		reqs.Add(1)
		arts.Add(1)
		var f, i int
		if _, err := fmt.Sscanf(req.URL.Path, "/a/%d/%d.html", &f, &i); err != nil {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(pages[(f*7919+i)%len(pages)].html)
	})
	ln, err := net.Listen("tcp", ":0") // every loopback address
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	srv := &http.Server{Handler: mux}
	log.Fatal(srv.Serve(ln))
}

type page struct {
	title, teaser string
	html          []byte
}

// loadPages reads the corpus pages; without the corpus, made-up ones.
func loadPages(dir string) []page {
	var pages []page
	f, err := os.Open(filepath.Join(dir, "pages.jsonl"))
	if err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var p struct{ File string }
			if json.Unmarshal(sc.Bytes(), &p) != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dir, p.File))
			if err != nil {
				continue
			}
			title := p.File
			if i := strings.Index(string(b), "<title>"); i >= 0 {
				if j := strings.Index(string(b[i:]), "</title>"); j > 7 {
					title = strings.TrimSpace(string(b[i+7 : i+j]))
				}
			}
			pages = append(pages, page{title: title, html: b})
		}
	}
	if len(pages) == 0 {
		fmt.Fprintln(os.Stderr, "loadbench: no corpus pages; made-up articles instead")
		for i := range 200 {
			body := strings.Repeat(fmt.Sprintf("Die Regierung in Berlin berät am Montag über Meldung %d. ", i), 40)
			pages = append(pages, page{title: fmt.Sprintf("Meldung %d", i),
				html: []byte(fmt.Sprintf("<html><head><title>Meldung %d</title></head><body><article><h1>Meldung %d</h1><p>%s</p></article></body></html>", i, i, body))})
		}
	}
	return pages
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// rusage is the CPU time this process has used.
func rusage() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeak resets the peak resident size the kernel keeps (VmHWM).
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// statusMB is a size from /proc/self/status in MB: VmHWM, the peak
// resident size since the last resetPeak, or VmRSS, the resident size now.
func statusMB(field string) float64 { return statusFileMB("/proc/self/status", field) }

// statusFileMB is a size from a process's status file, in MB.
func statusFileMB(path, field string) float64 {
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, field) {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

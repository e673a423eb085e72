package watchers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newsbot/newsbot/internal/arena"
)

// ErrRefusedAddress is returned for a link found in a source that leads
// to an address newsbot does not fetch from: private, loopback,
// link-local (cloud metadata at 169.254.169.254), shared (CGNAT),
// multicast or reserved.
var ErrRefusedAddress = errors.New("refused: not a public address")

// notPublic are the address blocks a link found in a source may not lead
// to, unless it is on the host of the source that listed it.
var notPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
		"198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/96", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "2002::/16",
		"fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// public reports whether ip may be fetched from for any link.
func public(ip netip.Addr) bool {
	if ip.Zone() != "" {
		return false // a scoped address is link-local by nature
	}
	ip = ip.Unmap()
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// guardedClient returns the client for links listed by a source on the
// given host: its dialer lets them reach a private address only where
// that source itself was fetched from (the same address; the same host,
// whatever the port). Each
// source host has its own client, so that a connection made under that
// exception is never reused for a link another source listed.
func (f *Fetcher) guardedClient(sourceHost string) *http.Client {
	return f.guardedClientAs(sourceHost, guardedDialer{sourceHost: sourceHost})
}

// publicClient is the client for a URL from anyone (Request.PublicOnly):
// public addresses only, whatever AllowPrivate says.
func (f *Fetcher) publicClient() *http.Client {
	return f.guardedClientAs("\x00public", guardedDialer{publicOnly: true}) // a key that names no host
}

// guardedClientAs returns the client kept under key, made with guard g
// the first time.
func (f *Fetcher) guardedClientAs(key string, g guardedDialer) *http.Client {
	if c, ok := f.guarded.Load(key); ok {
		return c.(*http.Client)
	}
	g.f, g.dialer = f, &net.Dialer{Timeout: min(f.timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	c, _ := f.guarded.LoadOrStore(key, f.client(f.timeout, &g))
	return c.(*http.Client)
}

// sourceAddrs are the IP addresses each source host was fetched from, by
// host name.
type sourceAddrs struct {
	mu    sync.RWMutex
	m     map[string]hostAddrs
	names arena.Strings
}

type hostAddrs struct {
	name  string // the map's key, in the arena (see add)
	addrs []netip.Addr
}

func (s *sourceAddrs) add(host string, addr netip.Addr) {
	host = strings.ToLower(host)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[host]
	if slices.Contains(e.addrs, addr) {
		return
	}
	if !ok {
		if s.m == nil {
			s.m = map[string]hostAddrs{}
		}
		e.name = s.names.Clone(host)
	}
	e.addrs = append(e.addrs, addr)
	// Assigning to a string key stores the key given: the arena's copy.
	s.m[e.name] = e
}

func (s *sourceAddrs) has(host string, addr netip.Addr) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Contains(s.m[strings.ToLower(host)].addrs, addr)
}

// prepare makes the entries of these hosts at once, each with room for
// one address, side by side in memory (see Fetcher.Prepare).
func (s *sourceAddrs) prepare(hosts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]hostAddrs, len(hosts))
	}
	slab := make([]netip.Addr, len(hosts))
	for i, host := range hosts {
		host = strings.ToLower(host)
		if _, ok := s.m[host]; !ok {
			name := s.names.Clone(host)
			s.m[name] = hostAddrs{name: name, addrs: slab[i : i : i+1]}
		}
	}
}

// guardedDialer dials only addresses a link found in a source may lead
// to. It resolves the name itself and dials the address it checked, so
// that DNS rebinding can't swap in another; every connection of a
// request, redirects included, goes through it.
type guardedDialer struct {
	dialer     *net.Dialer
	f          *Fetcher
	sourceHost string // the host of the source that listed the links
	// publicOnly refuses every address that is not public, even where
	// AllowPrivate would let a link through.
	publicOnly bool
}

func (d *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	var last error
	for _, ip := range ips {
		target := net.JoinHostPort(ip.Unmap().String(), port)
		isPublic := public(ip)
		if d.f.Public != nil {
			isPublic = d.f.Public(ip)
		}
		if !isPublic && (d.publicOnly || !d.f.AllowPrivate && !d.f.addrs.has(d.sourceHost, ip.Unmap())) {
			last = fmt.Errorf("%w: %s is %s", ErrRefusedAddress, ip.Unmap(), describe(ip))
			continue
		}
		conn, err := d.dialer.DialContext(ctx, network, target)
		if err == nil {
			return conn, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("no address for %s", host)
	}
	return nil, last
}

func describe(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address (such as cloud metadata)"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsMulticast():
		return "a multicast address"
	case netip.MustParsePrefix("100.64.0.0/10").Contains(ip):
		return "a shared (CGNAT) address"
	}
	return "a reserved address"
}

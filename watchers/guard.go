package watchers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
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
		"::/128", "::1/128", "64:ff9b::/96", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// public reports whether ip may be fetched from for any link.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range notPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

type listedByKey struct{}

// withListedBy notes, for the dialer, the source that listed the URL.
func withListedBy(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, listedByKey{}, source)
}

// guardedDialer dials only addresses a link found in a source may lead
// to. It resolves the name itself and dials the address it checked, so
// that DNS rebinding can't swap in another; every connection of a
// request, redirects included, goes through it.
type guardedDialer struct {
	dialer *net.Dialer
	f      *Fetcher
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
	// Only a name that resolves to a private address needs the source's
	// host looked at.
	allowed := d.f.AllowPrivate
	for _, ip := range ips {
		if !allowed && !public(ip) {
			allowed = d.listedOnSameHost(ctx, host, ips)
			break
		}
	}
	var last error
	for _, ip := range ips {
		if !allowed && !public(ip) {
			last = fmt.Errorf("%w: %s is %s", ErrRefusedAddress, ip.Unmap(), describe(ip))
			continue
		}
		conn, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
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

// listedOnSameHost reports whether host is the host of the source that
// listed the link: the same name, or names for the same addresses
// ("localhost" and 127.0.0.1).
func (d *guardedDialer) listedOnSameHost(ctx context.Context, host string, ips []netip.Addr) bool {
	src, _ := ctx.Value(listedByKey{}).(string)
	u, err := url.Parse(src)
	if err != nil || u.Hostname() == "" {
		return false
	}
	if strings.EqualFold(u.Hostname(), host) {
		return true
	}
	theirs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		found := false
		for _, t := range theirs {
			found = found || t.Unmap() == ip.Unmap()
		}
		if !found {
			return false
		}
	}
	return true
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

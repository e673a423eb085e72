package watchers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// Reason says in a few words, the cause first, why a request for a
// source or an article failed: what a reader of the log or of the ops
// channel needs to act on it ("no such host www.tagesschau.de (DNS)", not
// "the site's robots.txt could not be had").
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var c *causeError
	var dns *net.DNSError
	var status *StatusError
	var notFeed *NotFeedError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var op *net.OpError
	switch {
	case errors.As(err, &c):
		return c.reason
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("no such host %s (DNS): check the URL, or this machine's network", dns.Name)
	case errors.As(err, &dns):
		return fmt.Sprintf("the DNS lookup of %s failed: %s", dns.Name, dns.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused" + opAddr(err) + ": nothing listens there"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "network unreachable" + opAddr(err) + ": check this machine's network"
	case errors.As(err, &unknownCA):
		return "TLS: the site's certificate is signed by an authority this machine does not know"
	case errors.As(err, &hostname):
		return "TLS: the site's certificate is not for " + hostname.Host
	case errors.As(err, &invalid):
		return "TLS: the site's certificate is not valid (" + invalid.Error() + ")"
	case errors.As(err, &record):
		return "TLS: the site does not speak TLS there (an http:// address given as https://?)"
	case errors.Is(err, ErrRefusedAddress):
		return strings.TrimPrefix(innermost(err, ErrRefusedAddress), "refused: not a public address: ") +
			": newsbot does not fetch links found in sources from private addresses (http.allow_private_networks: true allows it, for an intranet)"
	case errors.As(err, &notFeed):
		return "not a feed: " + notFeed.Reason
	case errors.As(err, &status):
		return "the site answered " + status.Status
	case errors.Is(err, ErrBackOff):
		return "the publisher asked newsbot to wait (429 or 503 with Retry-After)"
	case errors.Is(err, ErrRobots):
		return "the site's robots.txt disallows it"
	case errors.Is(err, ErrRobotsUnavailable):
		return "the site's robots.txt could not be had (RFC 9309: nothing is fetched from the site for a while)"
	case errors.Is(err, ErrTooLarge):
		return "larger than http.max_body"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &op) && op.Timeout():
		return "no answer in time (http.timeout)"
	}
	return err.Error()
}

// causeError is what made a robots.txt unavailable, said by Reason: the
// site could not be reached, which is the source's failure, not its
// robots.txt's.
type causeError struct{ reason string }

func (e *causeError) Error() string { return e.reason }

// Is makes a robots.txt not had for a cause ErrRobotsUnavailable, whose
// words the error leaves out: a site not reached is said as such.
func (e *causeError) Is(target error) bool { return target == ErrRobotsUnavailable }

// opAddr is " by ADDRESS" for an error of a dial, or "".
func opAddr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return " by " + op.Addr.String()
	}
	return ""
}

// innermost is the message of the error that wraps target most closely.
func innermost(err, target error) string {
	last := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		if !errors.Is(e, target) {
			break
		}
		last = e.Error()
	}
	return last
}

// unreachable reports whether err says the site could not be reached at
// all (DNS, refused, unreachable, TLS, a private address refused), as
// opposed to an answer newsbot did not want.
func unreachable(err error) bool {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	return errors.As(err, &dns) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.As(err, &unknownCA) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) || errors.Is(err, ErrRefusedAddress)
}

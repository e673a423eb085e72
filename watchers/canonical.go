package watchers

import (
	"net/url"
	"strings"
	"unicode"
)

// trackingParams are query parameters that say where a click came from,
// not which article it is.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"yclid": true, "twclid": true, "igshid": true, "mc_cid": true, "mc_eid": true, "_ga": true,
	"_gl": true, "ocid": true, "cmpid": true, "xtor": true, "wt_mc": true, "wt_zmc": true,
	"ns_campaign": true, "ns_mchannel": true, "ns_source": true, "ns_linkname": true,
	"ns_fee": true, "at_medium": true, "at_campaign": true, "at_custom1": true, "at_custom2": true,
	"at_custom3": true, "at_custom4": true, "ito": true, "icid": true, "ref_src": true,
	"s_cid": true, "mkt_tok": true, "oly_enc_id": true,
	"oly_anon_id": true, "vero_id": true, "__twitter_impression": true, "sr_share": true,
}

func isTracking(key string) bool {
	k := strings.ToLower(key)
	return trackingParams[k] || strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "pk_") ||
		strings.HasPrefix(k, "mtm_") || strings.HasPrefix(k, "hsa_")
}

// Canonical resolves ref against base (when ref is relative) and returns
// the article's canonical URL: scheme and host in lower case, default
// port, fragment and tracking parameters (utm_*, fbclid, …) removed, so that
// two links to the same article give the same string. It returns "" when
// ref is not an http(s) URL.
func Canonical(ref, base string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	if base != "" {
		b, err := url.Parse(base)
		if err != nil {
			return ""
		}
		u = b.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return "" // no host ("http://:80") is no URL to fetch
	}
	u.Host = strings.ToLower(u.Host)
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		u.Host = strings.TrimSuffix(u.Host, ":"+p) // keeps an IPv6 address's brackets
	}
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		kept := make([]string, 0, 4)
		for _, kv := range strings.Split(u.RawQuery, "&") {
			k, _, _ := strings.Cut(kv, "=")
			if strings.TrimSpace(kv) == "" {
				continue
			}
			if key, err := url.QueryUnescape(k); err == nil && isTracking(key) {
				continue
			}
			kept = append(kept, kv)
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	u.ForceQuery = false
	// A query is not escaped: white space it ends with (before a
	// fragment) would not survive reading the URL again.
	u.RawQuery = strings.TrimRightFunc(u.RawQuery, unicode.IsSpace)
	return u.String()
}

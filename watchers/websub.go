package watchers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Hub is the WebSub hub a feed names (<link rel="hub">, in the document
// or its Link header), and the feed's own address there (rel="self"),
// the topic a subscription is for.
type Hub struct {
	Hub, Self string
}

// FindHub finds the WebSub hub a feed names: in an Atom or RSS document's
// <link rel="hub"> and <link rel="self"> (atom:link in RSS), in a JSON
// Feed's "hubs" and "feed_url", or in the response's Link header. Both
// must be there, as absolute http(s) URLs; otherwise the Hub is empty.
func FindHub(body []byte, header http.Header, base string) Hub {
	var h Hub
	for _, v := range header.Values("Link") {
		for _, part := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok {
				continue
			}
			target = strings.Trim(strings.TrimSpace(target), "<>")
			for _, p := range strings.Split(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(k, "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.ToLower(strings.Trim(val, `"`))) {
					switch rel {
					case "hub":
						h.Hub = cmp.Or(h.Hub, target)
					case "self":
						h.Self = cmp.Or(h.Self, target)
					}
				}
			}
		}
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}))
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var jf struct {
			FeedURL string `json:"feed_url"`
			Hubs    []struct {
				Type, URL string
			} `json:"hubs"`
		}
		if json.Unmarshal(trimmed, &jf) == nil {
			for _, hub := range jf.Hubs {
				if strings.EqualFold(hub.Type, "websub") || strings.EqualFold(hub.Type, "pubsubhubbub") {
					h.Hub = cmp.Or(h.Hub, hub.URL)
				}
			}
			h.Self = cmp.Or(h.Self, jf.FeedURL)
		}
	} else {
		d := xml.NewDecoder(bytes.NewReader(feedUTF8(body, header.Get("Content-Type"))))
		d.Strict = false
		d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
		depth := 0
		for depth <= 3 { // the feed's own links, not an entry's
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				depth++
				if t.Name.Local == "entry" || t.Name.Local == "item" {
					depth = 99 // the feed's links come before its entries
					continue
				}
				if t.Name.Local != "link" {
					continue
				}
				var rel, href string
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "rel":
						rel = strings.ToLower(strings.TrimSpace(a.Value))
					case "href":
						href = strings.TrimSpace(a.Value)
					}
				}
				switch rel {
				case "hub":
					h.Hub = cmp.Or(h.Hub, href)
				case "self":
					h.Self = cmp.Or(h.Self, href)
				}
			case xml.EndElement:
				depth--
			}
		}
	}
	h.Hub, h.Self = absoluteHTTP(h.Hub, base), absoluteHTTP(h.Self, base)
	if h.Hub == "" || h.Self == "" {
		return Hub{}
	}
	return h
}

// absoluteHTTP is ref resolved against base, when it is an http(s) URL;
// "" otherwise.
func absoluteHTTP(ref, base string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	u, err := b.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// PostForm posts a form to a URL a source named (a WebSub hub), through
// the guard of links found in that source (listedBy): a private address
// only where the source itself is, unless http.allow_private_networks.
// It returns the status and the start of the answer's body.
func (f *Fetcher) PostForm(ctx context.Context, target, listedBy string, form url.Values) (int, string, error) {
	f.init()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, "", fmt.Errorf("POST %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", f.UserAgent)
	host := ""
	if u, err := url.Parse(listedBy); err == nil {
		host = u.Hostname()
	}
	resp, err := f.guardedClient(host).Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("POST %s: %w", target, unwrapURLError(err))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

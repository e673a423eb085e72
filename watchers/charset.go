package watchers

import (
	"bytes"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// xmlDecl finds the encoding an XML declaration names.
var xmlDecl = regexp.MustCompile(`^(?:\xEF\xBB\xBF)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']`)

// feedUTF8 returns a feed's body as UTF-8, with an XML declaration that
// says so. The charset comes from the Content-Type header, which RFC 7303
// puts first, or the XML declaration. A body labelled as a single-byte
// Latin charset that is valid UTF-8 with non-ASCII text is UTF-8
// mislabelled; a body said to be UTF-8 (or not labelled) that is not
// valid UTF-8 is read as windows-1252, the usual culprit, where it is not
// (repairUTF8).
func feedUTF8(body []byte, contentType string) []byte {
	// A byte order mark says it all (UTF-16 feeds).
	switch {
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return sayUTF8(decode(body, "utf-16be"))
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return sayUTF8(decode(body, "utf-16le"))
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	}
	label := ""
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		label = params["charset"]
	}
	head := body[:min(len(body), 512)]
	m := xmlDecl.FindSubmatchIndex(head)
	if label == "" && m != nil {
		label = string(head[m[2]:m[3]])
	}
	out := body
	switch {
	case isUTF8Label(label) || label == "":
		if utf8.Valid(body) {
			break
		}
		// Not the UTF-8 it is said to be: the XML declaration's charset
		// when the header said UTF-8 and it names another, else its
		// bytes (Latin-1, with any UTF-8 among them kept).
		if m != nil && label != "" {
			if decl := string(head[m[2]:m[3]]); !isUTF8Label(decl) {
				out = decode(body, decl)
				break
			}
		}
		out = repairUTF8(body)
	case utf8.Valid(body) && mislabelled(body, label):
		// keep: UTF-8 said to be Latin
	default:
		out = decode(body, label)
	}
	if m != nil && !isUTF8Label(string(head[m[2]:m[3]])) {
		// Say UTF-8, so that the feed parser does not decode it again.
		if n := xmlDecl.FindSubmatchIndex(out[:min(len(out), 512)]); n != nil {
			out = append(append(append([]byte{}, out[:n[2]]...), "UTF-8"...), out[n[3]:]...)
		}
	}
	return out
}

// sayUTF8 makes a decoded feed's XML declaration name UTF-8.
func sayUTF8(body []byte) []byte {
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	if n := xmlDecl.FindSubmatchIndex(body[:min(len(body), 512)]); n != nil {
		return append(append(append([]byte{}, body[:n[2]]...), "UTF-8"...), body[n[3]:]...)
	}
	return body
}

func isUTF8Label(l string) bool {
	l = strings.ToLower(strings.TrimSpace(l))
	return l == "utf-8" || l == "utf8"
}

// decode decodes body from the named charset. Under a name it does not
// know, a body that is not UTF-8 is taken as windows-1252.
func decode(body []byte, label string) []byte {
	r, err := charset.NewReaderLabel(label, bytes.NewReader(body))
	if err != nil {
		if !utf8.Valid(body) && label != "windows-1252" {
			return decode(body, "windows-1252")
		}
		return body
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return body
	}
	return out
}

// repairUTF8 returns body as UTF-8 when it is not valid UTF-8 although
// said (or taken) to be: its valid UTF-8 sequences as they are, and every
// other byte read as windows-1252. A Latin-1 page served as UTF-8 reads
// as it was written ("Gespräche", not "Gespr\uFFFDche"), and so does a
// UTF-8 page with a Latin-1 piece pasted in; a Latin-1 text almost never
// holds a byte pair that reads as UTF-8.
func repairUTF8(body []byte) []byte {
	out := make([]byte, 0, len(body)+len(body)/16)
	for len(body) > 0 {
		r, n := utf8.DecodeRune(body)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, charmap.Windows1252.DecodeByte(body[0]))
		} else {
			out = append(out, body[:n]...)
		}
		body = body[n:]
	}
	return out
}

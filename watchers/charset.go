package watchers

import (
	"bytes"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

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
	// A byte order mark says it all; without one, the bytes of "<" say
	// UTF-16 or UTF-32 (XML 1.0, appendix F).
	if enc := wideEncoding(body); enc != nil {
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			return sayUTF8(out)
		}
	}
	body = bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF})
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
		if label == "" {
			out = legacyUTF8(body) // nothing says: detected
		} else {
			out = repairUTF8(body)
		}
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

// wideEncoding is the UTF-16 or UTF-32 a document is in, by its byte
// order mark or, without one, by how "<" begins it (XML 1.0, appendix F);
// nil for anything else.
func wideEncoding(b []byte) encoding.Encoding {
	switch {
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0xFE, 0xFF}):
		return utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM)
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(b, []byte{0x00, 0x00, 0x00, '<'}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM)
	case bytes.HasPrefix(b, []byte{'<', 0x00, 0x00, 0x00}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM)
	case bytes.HasPrefix(b, []byte{0x00, '<', 0x00}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
	case bytes.HasPrefix(b, []byte{'<', 0x00, '?', 0x00}), bytes.HasPrefix(b, []byte{'<', 0x00, '!', 0x00}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return nil
}

// A body that names no charset is read in the one the detector finds
// when it is sure (confidence out of 100), or sure enough and half again
// as sure as of the next: ICU's detector gives a multi-byte charset whose
// sequences all hold 100, and a single-byte one much less.
const (
	legacySure          = 90
	legacyMinConfidence = 25
)

// legacyUTF8 returns as UTF-8 a body that names no charset and is not
// UTF-8. One that is mostly UTF-8 is UTF-8 with pieces in Latin-1
// (repairUTF8); otherwise its charset is detected (ICU's
// detector: Shift_JIS, Big5, KOI8-R, windows-1255 …), and when the
// detector is unsure, windows-1252, the usual culprit, is taken.
func legacyUTF8(body []byte) []byte {
	if mostlyUTF8(body) {
		return repairUTF8(body)
	}
	rs, err := chardet.NewTextDetector().DetectAll(body)
	if err != nil || len(rs) == 0 || rs[0].Confidence < legacySure &&
		(rs[0].Confidence < legacyMinConfidence || len(rs) > 1 && 2*rs[0].Confidence < 3*rs[1].Confidence) {
		return repairUTF8(body)
	}
	enc, _ := charset.Lookup(rs[0].Charset)
	if enc == nil {
		return repairUTF8(body)
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return repairUTF8(body)
	}
	return out
}

// mostlyUTF8 reports whether b's non-ASCII is mostly UTF-8: it holds at
// least as many valid multi-byte UTF-8 sequences as bytes that are not
// UTF-8. (Another charset's bytes make a UTF-8 sequence now and then.)
func mostlyUTF8(b []byte) bool {
	var valid, invalid int
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			valid++
		}
		b = b[n:]
	}
	return valid > 0 && valid >= invalid
}

// demoronize replaces the C1 control characters (U+0080 to U+009F) that
// text carries where windows-1252 was taken for ISO-8859-1 ("don\u0092t")
// by what windows-1252 means by them ("don’t"): no reader wants a control
// character, nor does Slack.
func demoronize(s string) string {
	if !strings.ContainsFunc(s, isC1) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isC1(r) {
			if d := charmap.Windows1252.DecodeByte(byte(r)); d != r {
				return d
			}
			return -1 // undefined in windows-1252 too
		}
		return r
	}, s)
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9F }

// Package blockkit draws a Slack message from its Block Kit JSON, as an
// SVG picture near enough to what Slack shows: the README's picture of an
// alert is drawn from a message the end-to-end tests post.
//
// It knows what newsbot posts: section and context blocks of mrkdwn
// (*bold*, _italic_, <url|links>, <!date^…|fallback>, mentions, a few
// emoji) and dividers. Text is wrapped by an estimate of its width.
package blockkit

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// Message is what the picture shows besides the blocks.
type Message struct {
	App    string           // the app's name, "newsbot"
	Time   string           // "08:30"
	Blocks []map[string]any // as chat.postMessage took them
}

// Layout, in pixels.
const (
	width      = 760
	textLeft   = 72
	textWidth  = width - textLeft - 24
	lineHeight = 22
	fontSize   = 15
	smallSize  = 12
	smallLine  = 18
)

// span is a run of text in one style.
type span struct {
	text        string
	bold, ital  bool
	link        bool
	small, gray bool
}

// emoji are the shortcodes newsbot writes.
var emoji = map[string]string{
	":newspaper:": "📰", ":no_bell:": "🔕", ":bell:": "🔔", ":rotating_light:": "🚨",
	":chart_with_upwards_trend:": "📈", ":warning:": "⚠️", ":memo:": "📝", ":link:": "🔗",
}

// Mrkdwn splits Slack mrkdwn into styled runs: *bold*, _italic_, links
// and Slack's special <!…> and <@…> forms shown as Slack shows them.
func mrkdwn(s string) []span {
	var out []span
	var bold, ital bool
	add := func(t string, link bool) {
		if t == "" {
			return
		}
		out = append(out, span{text: html.UnescapeString(t), bold: bold, ital: ital, link: link})
	}
	var cur strings.Builder
	flush := func() { add(cur.String(), false); cur.Reset() }
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				cur.WriteByte(c)
				i++
				continue
			}
			flush()
			inner := s[i+1 : i+end]
			target, label, hasLabel := strings.Cut(inner, "|")
			switch {
			case strings.HasPrefix(target, "!date^"):
				add(label, false)
			case strings.HasPrefix(target, "!subteam^"):
				add("@"+label, true)
			case strings.HasPrefix(target, "!"):
				add("@"+strings.TrimPrefix(target, "!"), true)
			case strings.HasPrefix(target, "@"):
				add(cmp.Or(label, target), true)
			case strings.HasPrefix(target, "#"):
				add("#"+cmp.Or(label, strings.TrimPrefix(target, "#")), true)
			case hasLabel:
				add(label, true)
			default:
				add(target, true)
			}
			i += end + 1
		case c == '*' || c == '_':
			// A marker opens before a word and closes after one.
			prev, next := rune(' '), rune(' ')
			if i > 0 {
				prev, _ = utf8.DecodeLastRuneInString(s[:i])
			}
			if i+1 < len(s) {
				next, _ = utf8.DecodeRuneInString(s[i+1:])
			}
			opening := !isWordRune(prev) && next != ' '
			closing := prev != ' ' && !isWordRune(next)
			on := &bold
			if c == '_' {
				on = &ital
			}
			if (*on && closing) || (!*on && opening && strings.IndexByte(s[i+1:], c) >= 0) {
				flush()
				*on = !*on
			} else {
				cur.WriteByte(c)
			}
			i++
		case c == ':':
			if end := strings.IndexByte(s[i+1:], ':'); end > 0 {
				if e, ok := emoji[s[i:i+end+2]]; ok {
					cur.WriteString(e)
					i += end + 2
					continue
				}
			}
			cur.WriteByte(c)
			i++
		default:
			cur.WriteByte(c)
			i++
		}
	}
	flush()
	return out
}

func isWordRune(r rune) bool {
	return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && r != ' '
}

// advance estimates the width of a rune in a sans-serif face of size px.
func advance(r rune, px float64, bold bool) float64 {
	// Generous, so that a wider face than Lato (DejaVu Sans) still fits.
	w := 0.6
	switch {
	case strings.ContainsRune("iljtfI.,;:'!|() ", r):
		w = 0.33
	case strings.ContainsRune("mwMW", r):
		w = 0.9
	case r >= 'A' && r <= 'Z':
		w = 0.72
	case r > 0x2000:
		w = 1.0 // emoji, dashes, quotes
	}
	if bold {
		w *= 1.1
	}
	return w * px
}

// line is a wrapped line of spans.
type line []span

// wrap breaks spans into lines of at most max pixels, at spaces and at
// the newlines in the text.
func wrap(spans []span, max float64, px float64) []line {
	var lines []line
	var cur line
	x := 0.0
	newLine := func() { lines = append(lines, cur); cur = nil; x = 0 }
	for _, sp := range spans {
		for i, para := range strings.Split(sp.text, "\n") {
			if i > 0 {
				newLine()
			}
			words := strings.SplitAfter(para, " ")
			for _, w := range words {
				if w == "" {
					continue
				}
				ww := 0.0
				for _, r := range w {
					ww += advance(r, px, sp.bold)
				}
				if x+ww > max && x > 0 {
					newLine()
					w = strings.TrimLeft(w, " ")
				}
				piece := sp
				piece.text = w
				if n := len(cur); n > 0 && sameStyle(cur[n-1], piece) {
					cur[n-1].text += w
				} else {
					cur = append(cur, piece)
				}
				x += ww
			}
		}
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

func sameStyle(a, b span) bool {
	return a.bold == b.bold && a.ital == b.ital && a.link == b.link && a.small == b.small && a.gray == b.gray
}

// SVG draws the message.
func SVG(m Message) []byte {
	var body bytes.Buffer
	y := 52.0 // the first line of blocks, under the name
	for _, b := range m.Blocks {
		switch b["type"] {
		case "section":
			text, _ := b["text"].(map[string]any)
			s, _ := text["text"].(string)
			for _, l := range wrap(mrkdwn(s), textWidth, fontSize) {
				writeLine(&body, l, y, fontSize)
				y += lineHeight
			}
			y += 6
		case "context":
			els, _ := b["elements"].([]any)
			var spans []span
			for _, e := range els {
				em, _ := e.(map[string]any)
				if s, ok := em["text"].(string); ok {
					for _, sp := range mrkdwn(s) {
						sp.small, sp.gray = true, true
						spans = append(spans, sp)
					}
				}
			}
			for _, l := range wrap(spans, textWidth, smallSize) {
				writeLine(&body, l, y-2, smallSize)
				y += smallLine
			}
			y += 6
		case "divider":
			fmt.Fprintf(&body, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#dddddd"/>`+"\n", textLeft, y-8, width-24, y-8)
			y += 10
		}
	}
	height := y + 8
	var out bytes.Buffer
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%.0f" viewBox="0 0 %d %.0f" font-family="Lato, 'Helvetica Neue', Helvetica, Arial, sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(&out, `<rect width="100%%" height="100%%" rx="8" fill="#ffffff" stroke="#e2e2e2"/>`+"\n")
	// The app's picture and name, as Slack shows a bot's message.
	fmt.Fprintf(&out, `<rect x="20" y="16" width="38" height="38" rx="6" fill="#1d4e89"/><text x="39" y="41" font-size="15" font-weight="bold" fill="#ffffff" text-anchor="middle">nb</text>`+"\n")
	name := esc(m.App)
	fmt.Fprintf(&out, `<text x="%d" y="30" font-size="15"><tspan font-weight="bold" fill="#1d1c1d">%s</tspan></text>`+"\n", textLeft, name)
	nameWidth := 0.0
	for _, r := range m.App {
		nameWidth += advance(r, 15, true)
	}
	badge := float64(textLeft) + nameWidth + 10
	fmt.Fprintf(&out, `<rect x="%.0f" y="18" width="30" height="16" rx="3" fill="#e8e8e8"/><text x="%.0f" y="30" font-size="10" font-weight="bold" fill="#616061" text-anchor="middle">APP</text>`+"\n", badge, badge+15)
	fmt.Fprintf(&out, `<text x="%.0f" y="30" font-size="12" fill="#616061">%s</text>`+"\n", badge+40, esc(m.Time))
	out.Write(body.Bytes())
	out.WriteString("</svg>\n")
	return out.Bytes()
}

func writeLine(w *bytes.Buffer, l line, y float64, px int) {
	fmt.Fprintf(w, `<text x="%d" y="%.0f" font-size="%d" xml:space="preserve">`, textLeft, y, px)
	for _, sp := range l {
		var attrs []string
		if sp.bold {
			attrs = append(attrs, `font-weight="bold"`)
		}
		if sp.ital {
			attrs = append(attrs, `font-style="italic"`)
		}
		switch {
		case sp.link:
			attrs = append(attrs, `fill="#1264a3"`)
		case sp.gray:
			attrs = append(attrs, `fill="#616061"`)
		default:
			attrs = append(attrs, `fill="#1d1c1d"`)
		}
		fmt.Fprintf(w, `<tspan %s>%s</tspan>`, strings.Join(attrs, " "), esc(sp.text))
	}
	w.WriteString("</text>\n")
}

// esc escapes text for the picture's XML.
func esc(s string) string { return html.EscapeString(s) }

package render_test

import (
	"fmt"
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// An HTML walk over a rendered email, enough to check what axe-core's
// landmark-one-main and region rules check and what SpamAssassin's
// HTML_FONT_LOW_CONTRAST looks for. golang.org/x/net/html is not a
// dependency; the emails are our own well-formed templates, so a small
// tokenizer that also insists every element is closed is enough, and
// stricter than a browser.

// element is an element open during the walk.
type element struct {
	name     string
	landmark bool
	fg, bg   string // text and background colour, inherited
	style    string
}

// emailWalk is what a walk found.
type emailWalk struct {
	mains   int      // main landmarks
	outside []string // content outside every landmark
	low     []string // text coloured like its background
	hidden  []string // styles that mark hidden-text spam
	broken  []string // tags out of place
}

var (
	tagPattern  = regexp.MustCompile(`^<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>"']|"[^"]*"|'[^']*')*)>`)
	attrPattern = regexp.MustCompile(`([a-zA-Z_:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?`)
	voidTags    = map[string]bool{"area": true, "base": true, "br": true, "col": true, "hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "wbr": true}
	landmarkTag = map[string]bool{"main": true, "footer": true, "header": true, "nav": true, "aside": true}
	// Roles that make a landmark.
	landmarkRole = map[string]bool{"main": true, "contentinfo": true, "banner": true, "navigation": true, "complementary": true, "region": true, "search": true}
	hiddenStyle  = regexp.MustCompile(`font-size:\s*[01](px|pt)?\s*(;|$)|opacity:\s*0(\.0*)?\s*(;|$)|visibility:\s*hidden|color:\s*transparent`)
)

// walkEmail walks a rendered HTML email.
func walkEmail(doc string) emailWalk {
	var w emailWalk
	stack := []element{{name: "#document", fg: "#000000", bg: "#ffffff"}}
	inBody := false
	for doc != "" {
		i := strings.IndexByte(doc, '<')
		if i < 0 {
			i = len(doc)
		}
		if inBody {
			w.text(stack, doc[:i])
		}
		doc = doc[i:]
		switch {
		case doc == "":
		case strings.HasPrefix(doc, "<!--"):
			doc = skipPast(doc, "-->")
		case strings.HasPrefix(doc, "<!"):
			doc = skipPast(doc, ">")
		default:
			m := tagPattern.FindStringSubmatch(doc)
			if m == nil {
				w.broken = append(w.broken, "a < that starts no tag: "+doc[:min(len(doc), 30)])
				doc = doc[1:]
				continue
			}
			doc = doc[len(m[0]):]
			name := strings.ToLower(m[2])
			if m[1] == "/" {
				stack = w.close(stack, name)
				continue
			}
			inBody = inBody || name == "body"
			stack = w.open(stack, name, attrs(m[3]), inBody)
			if name == "style" || name == "title" {
				doc = skipPast(doc, "</"+name+">")
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) != 1 {
		w.broken = append(w.broken, fmt.Sprintf("%d elements left open", len(stack)-1))
	}
	return w
}

func skipPast(doc, end string) string {
	if i := strings.Index(doc, end); i >= 0 {
		return doc[i+len(end):]
	}
	return ""
}

func attrs(s string) map[string]string {
	out := map[string]string{}
	for _, m := range attrPattern.FindAllStringSubmatch(s, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2] + m[3] + m[4])
	}
	return out
}

// open starts an element, inheriting the colours and the landmark of its
// parent.
func (w *emailWalk) open(stack []element, name string, a map[string]string, inBody bool) []element {
	parent := stack[len(stack)-1]
	e := element{name: name, landmark: parent.landmark, fg: parent.fg, bg: parent.bg, style: a["style"]}
	if landmarkTag[name] || landmarkRole[a["role"]] {
		e.landmark = true
	}
	if name == "main" || a["role"] == "main" {
		w.mains++
	}
	if c := styleColor(e.style, "color"); c != "" {
		e.fg = c
	}
	if c := styleColor(e.style, "background-color"); c != "" {
		e.bg = c
	} else if c := a["bgcolor"]; c != "" {
		e.bg = strings.ToLower(c)
	}
	if hiddenStyle.MatchString(e.style) {
		w.hidden = append(w.hidden, "<"+name+` style="`+e.style+`">`)
	}
	if inBody && name == "img" && !e.landmark {
		w.outside = append(w.outside, "<img>")
	}
	if voidTags[name] {
		return stack
	}
	return append(stack, e)
}

// close ends the innermost element, which must be name.
func (w *emailWalk) close(stack []element, name string) []element {
	if top := stack[len(stack)-1]; len(stack) == 1 || top.name != name {
		w.broken = append(w.broken, fmt.Sprintf("</%s> closes <%s>", name, top.name))
		return stack
	}
	return stack[:len(stack)-1]
}

// text checks a run of text: it must be in a landmark, and readable on
// its background.
func (w *emailWalk) text(stack []element, raw string) {
	t := strings.TrimSpace(strings.NewReplacer("\u200c", "", "\u00a0", " ").Replace(html.UnescapeString(raw)))
	if t == "" {
		return
	}
	e := stack[len(stack)-1]
	if !e.landmark {
		w.outside = append(w.outside, t)
	}
	if contrast(e.fg, e.bg) < 12 {
		w.low = append(w.low, fmt.Sprintf("%q in %s on %s", t, e.fg, e.bg))
	}
}

var colorProp = regexp.MustCompile(`(?:^|;)\s*(color|background-color)\s*:\s*(#[0-9a-fA-F]{3,6})`)

// styleColor is the value of prop (color or background-color) in a style
// attribute, as #rrggbb, or "".
func styleColor(style, prop string) string {
	for _, m := range colorProp.FindAllStringSubmatch(style, -1) {
		if m[1] == prop {
			c := strings.ToLower(m[2])
			if len(c) == 4 {
				c = "#" + strings.Repeat(c[1:2], 2) + strings.Repeat(c[2:3], 2) + strings.Repeat(c[3:4], 2)
			}
			return c
		}
	}
	return ""
}

// contrast is SpamAssassin's distance between two colours, weighted by
// brightness: under 12 it counts the text as near-invisible.
func contrast(fg, bg string) float64 {
	rgb := func(c string) (r, g, b float64) {
		n, _ := strconv.ParseUint(strings.TrimPrefix(c, "#"), 16, 32)
		return float64(n >> 16 & 255), float64(n >> 8 & 255), float64(n & 255)
	}
	r1, g1, b1 := rgb(fg)
	r2, g2, b2 := rgb(bg)
	return math.Sqrt(math.Pow(0.2126*(r1-r2), 2) + math.Pow(0.7152*(g1-g2), 2) + math.Pow(0.0722*(b1-b2), 2))
}

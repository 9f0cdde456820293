package compose

import (
	"strconv"
	"strings"
	"sync"

	"github.com/dripcourse/dripcourse/internal/course"
	"github.com/dripcourse/dripcourse/internal/mailer"
)

// A frame is a lesson email rendered once with stand-in values and cut
// where each reader's own values go, so sending a lesson to many readers
// runs the templates once, not once per reader.
//
// A frame is trusted only after a proof: rendered with a second set of
// stand-ins that include every character HTML escapes, it must come out
// byte for byte as the templates themselves render it. A template that
// uses a reader's value in any other way (in a script, transformed, ...)
// fails the proof, and that lesson simply renders in full every time.
type frame struct {
	html, text []piece
}

// piece is literal text, or the slot of a per-reader value.
type piece struct {
	lit  string
	slot int // index into the values of frame.values; -1 for literal text
}

type frameKey struct {
	ct     *Content
	course string
	slug   string
	named  bool // templates may branch on whether there is a name
	clicks bool
	opens  bool
}

// frames caches frames by content and lesson; a reload of the content
// makes new keys, and old ones go with the map when it is reset.
type frames struct {
	mu sync.Mutex
	ct *Content
	m  map[frameKey]*frame // nil value: the proof failed, render in full
}

func (fs *frames) get(k frameKey, build func() *frame) *frame {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.ct != k.ct {
		fs.ct, fs.m = k.ct, map[frameKey]*frame{}
	}
	f, ok := fs.m[k]
	if !ok {
		f = build()
		fs.m[k] = f
	}
	return f
}

// render sets m's bodies to lesson l with v filled in: as pieces for the
// mailer to join as it writes them, whose literal text recurs in every
// message (the mailer keeps its encoding), or, when the lesson has no
// frame, as whole bodies rendered for this reader alone.
func (fs *frames) render(m *mailer.Message, c *Composer, ct *Content, l *course.Lesson, v lessonVals) error {
	k := frameKey{ct: ct, course: l.Course().Slug, slug: l.Slug, named: v.name != "", clicks: v.clicks, opens: v.pix != ""}
	f := fs.get(k, func() *frame { return buildFrame(c, ct, l, k) })
	if f == nil {
		var err error
		m.HTML, m.Text, err = ct.Templates.Email("lesson", c.lessonData(ct, l, v))
		return err
	}
	vals := f.values(l, v)
	m.HTMLParts, m.TextParts = f.pieces(f.html, vals, true), f.pieces(f.text, vals, false)
	return nil
}

// pieces fills the slots of a frame's pieces with vals, escaped for HTML
// when html is set. The literal text is shared, not copied, so a message
// costs only its readers' values.
func (f *frame) pieces(pieces []piece, vals []string, html bool) []string {
	out := make([]string, len(pieces))
	for i, p := range pieces {
		switch {
		case p.slot < 0:
			out[i] = p.lit
		case html:
			out[i] = htmlText.Replace(vals[p.slot])
		default:
			out[i] = vals[p.slot]
		}
	}
	return out
}

// standIns returns stand-in values for set s ("a" or "b"); set b's name
// holds every character that HTML escaping changes.
func standIns(c *Composer, l *course.Lesson, k frameKey, s string) lessonVals {
	u := func(name string) string { return c.Links.Base() + "/zq7" + s + name + "x" }
	v := lessonVals{unsub: u("unsub"), view: u("view"), next: u("next"), pause: u("pause"), click: course.Plain}
	if NextCourse(k.ct, l) != nil {
		v.enroll = u("enroll")
	}
	if k.named {
		v.name = "Zq7" + s + "name"
		if s == "b" {
			v.name += `<&'"+>` + "\x00"
		}
	}
	if k.opens {
		v.pix = u("pixel")
	}
	if k.clicks {
		index := map[string]int{}
		for i := len(l.Links) - 1; i >= 0; i-- {
			index[l.Links[i]] = i
		}
		v.click = func(dest string) string { return u("click" + strconv.Itoa(index[dest])) }
		v.clicks = true
	}
	return v
}

// buildFrame renders lesson l with stand-ins, cuts it, and proves the cut
// with the second set. It returns nil when the proof fails.
func buildFrame(c *Composer, ct *Content, l *course.Lesson, k frameKey) *frame {
	a := standIns(c, l, k, "a")
	ha, ta, err := ct.Templates.Email("lesson", c.lessonData(ct, l, a))
	if err != nil {
		return nil
	}
	f := &frame{}
	va := f.values(l, a)
	f.html, f.text = cut(ha, va), cut(ta, va)
	b := standIns(c, l, k, "b")
	hb, tb, err := ct.Templates.Email("lesson", c.lessonData(ct, l, b))
	vb := f.values(l, b)
	if err != nil || f.fill(f.html, vb, true) != hb || f.fill(f.text, vb, false) != tb {
		return nil
	}
	return f
}

// values lists v's values by slot. Click links come one per link of the
// lesson, in order; a destination that appears twice gets the same URL.
func (f *frame) values(l *course.Lesson, v lessonVals) []string {
	vals := []string{v.name, v.unsub, v.view, v.next, v.pause, v.pix, v.enroll}
	seen := map[string]string{}
	for _, dest := range l.Links {
		u, ok := seen[dest]
		if !ok {
			u = v.click(dest)
			seen[dest] = u
		}
		vals = append(vals, u)
	}
	return vals
}

// cut splits s at every occurrence of a non-empty value of vals.
func cut(s string, vals []string) []piece {
	var out []piece
	for {
		at, slot := -1, -1
		for i, v := range vals {
			if v == "" {
				continue
			}
			if j := strings.Index(s, v); j >= 0 && (at < 0 || j < at || (j == at && len(v) > len(vals[slot]))) {
				at, slot = j, i
			}
		}
		if at < 0 {
			return append(out, piece{lit: s, slot: -1})
		}
		out = append(out, piece{lit: s[:at], slot: -1}, piece{slot: slot})
		s = s[at+len(vals[slot]):]
	}
}

// htmlText escapes a value the way html/template escapes text and quoted
// attribute values.
var htmlText = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// fill is pieces joined, for the frame's proof.
func (f *frame) fill(pieces []piece, vals []string, html bool) string {
	return strings.Join(f.pieces(pieces, vals, html), "")
}

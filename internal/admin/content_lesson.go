package admin

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// lessonFields are a lesson's front matter keys (lessons/README.md), shown
// as form fields.
type lessonFields struct {
	Title, Subject, Preheader, Delay string
}

// lessonKeys are the front matter keys in the order a new front matter is
// written, with the form field each is edited in.
var lessonKeys = []struct{ Key, Field string }{
	{"title", "title"}, {"subject", "subject"}, {"preheader", "preheader"}, {"delay", "delay"},
}

func (f *lessonFields) get(key string) *string {
	switch key {
	case "title":
		return &f.Title
	case "subject":
		return &f.Subject
	case "preheader":
		return &f.Preheader
	}
	return &f.Delay
}

// lessonParts is a lesson file split for the form: the fields, the
// Markdown body, and the number of lines before the body (so that a
// file's line N is the body's line N-Offset).
type lessonParts struct {
	Fields lessonFields
	Body   string
	Offset int
	// KeyLines is the file line of each front matter key, to point a
	// problem on that line at its field.
	KeyLines map[int]string
}

// splitLesson reads a lesson file into fields and body. ok is false when
// its front matter is not plain "key: text" lines of the known keys (a
// mistake to fix, or a key added by hand): the editor then shows the
// whole file in one text box.
func splitLesson(b []byte) (lessonParts, bool) {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	rest, ok := strings.CutPrefix(s, "---\n")
	if !ok {
		return lessonParts{}, false
	}
	end := strings.Index(rest, "\n---\n")
	if end < 0 {
		return lessonParts{}, false
	}
	front := rest[:end+1]
	var doc yaml.Node
	if yaml.Unmarshal([]byte(front), &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return lessonParts{}, false
	}
	p := lessonParts{Body: rest[end+5:], Offset: 2 + strings.Count(front, "\n"), KeyLines: map[int]string{}}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		k, v := m[i], m[i+1]
		if v.Kind != yaml.ScalarNode || !known(k.Value) || *p.Fields.get(k.Value) != "" {
			return lessonParts{}, false
		}
		*p.Fields.get(k.Value) = v.Value
		p.KeyLines[k.Line+1] = k.Value
	}
	return p, true
}

func known(key string) bool {
	for _, k := range lessonKeys {
		if k.Key == key {
			return true
		}
	}
	return false
}

// joinLesson writes fields and body back as a lesson file. When the
// fields are those of old's front matter, that front matter is kept as it
// was written (its quoting and order); otherwise a new one is written.
func joinLesson(old []byte, f lessonFields, body string) []byte {
	var buf bytes.Buffer
	buf.WriteString("---\n")
	if p, ok := splitLesson(old); ok && p.Fields == f {
		s := strings.ReplaceAll(string(old), "\r\n", "\n")
		buf.WriteString(s[4 : 4+strings.Index(s[4:], "\n---\n")+1])
	} else {
		buf.Write(frontMatter(f))
	}
	buf.WriteString("---\n")
	buf.WriteString(body)
	return buf.Bytes()
}

// frontMatter writes the fields as YAML, in lessonKeys' order, leaving out
// an empty preheader and delay (both may be left out).
func frontMatter(f lessonFields) []byte {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range lessonKeys {
		v := strings.TrimSpace(*f.get(k.Key))
		if v == "" && (k.Key == "preheader" || k.Key == "delay") {
			continue
		}
		m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k.Key},
			&yaml.Node{Kind: yaml.ScalarNode, Value: v, Style: styleFor(v)})
	}
	out, err := yaml.Marshal(m)
	if err != nil { // a map of plain strings always marshals
		return nil
	}
	return out
}

// styleFor quotes a value that YAML would read as something other than
// the text typed (a number, yes, a date); yaml.Marshal quotes the rest
// that need it.
func styleFor(v string) yaml.Style {
	var probe any
	if yaml.Unmarshal([]byte(v), &probe) == nil {
		if s, ok := probe.(string); ok && s == v {
			return 0
		}
	}
	return yaml.DoubleQuotedStyle
}

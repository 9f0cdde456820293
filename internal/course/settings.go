package course

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A setting is one key that course.yaml or a lesson's front matter may
// hold, and where its value goes. The YAML is walked key by key instead of
// decoded into a struct, so that every wrong key and every wrong value is
// reported, each on its own line, in words an operator uses: a struct
// decoder stops at the first problem and names Go types.
type setting struct {
	name    string
	text    *string   // a line of text
	list    *[]string // a list of short texts
	flag    *bool     // true or false
	example string    // how a list is written, for the message
	// itemLines, when set, receives the line of each list item.
	itemLines *[]int
}

// settingsFile is what a file of settings is called in messages, and the
// settings it may hold.
type settingsFile struct {
	file     string // name used in problems
	kind     string // "course.yaml setting", "lesson setting"
	offset   int    // added to YAML line numbers (front matter starts on line 2)
	settings []setting
}

// decode reads body into the settings. It returns the line each key was
// found on (nil when the YAML could not be read at all), the keys whose
// values were refused, and every problem found.
func (sf settingsFile) decode(body []byte) (lines map[string]int, refused map[string]bool, ps Problems) {
	if p := tabIndent(body); p > 0 {
		return nil, nil, Problems{sf.at(p, "a line is indented with a tab: indent with spaces, or not at all")}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return nil, nil, Problems{yamlProblem(sf.file, sf.offset, err)}
	}
	lines, refused = map[string]int{}, map[string]bool{}
	if len(doc.Content) == 0 {
		return lines, refused, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, Problems{sf.at(root.Line, `each line here is a setting, written "name: value", such as subject: Welcome`)}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if first, dup := lines[key.Value]; dup {
			ps = append(ps, sf.at(key.Line, fmt.Sprintf("%s is set twice (first on line %d): keep one", key.Value, first)))
			continue
		}
		lines[key.Value] = key.Line + sf.offset
		if kps := sf.set(key, val); len(kps) > 0 {
			refused[key.Value] = true
			ps = append(ps, kps...)
		}
	}
	return lines, refused, ps
}

// at is a problem on YAML line n of the file.
func (sf settingsFile) at(n int, msg string) Problem {
	return Problem{File: sf.file, Line: max(n, 1) + sf.offset, Msg: msg}
}

// set stores one key's value in its setting.
func (sf settingsFile) set(key, val *yaml.Node) Problems {
	if val.Kind == yaml.AliasNode && val.Alias != nil {
		val = val.Alias
	}
	if key.Kind != yaml.ScalarNode {
		return Problems{sf.at(key.Line, `a setting's name is one word before its colon, such as subject: Welcome`)}
	}
	s, ok := sf.lookup(key.Value)
	if !ok {
		return Problems{sf.at(key.Line, sf.unknown(key.Value))}
	}
	switch {
	case s.text != nil:
		return sf.setText(s, val)
	case s.list != nil:
		return sf.setList(s, val)
	default:
		return sf.setFlag(s, val)
	}
}

func (sf settingsFile) lookup(name string) (setting, bool) {
	for _, s := range sf.settings {
		if s.name == name {
			return s, true
		}
	}
	return setting{}, false
}

// unknown explains a key that is not a setting, suggesting the nearest.
func (sf settingsFile) unknown(name string) string {
	names := make([]string, len(sf.settings))
	best, bestDist := "", 3
	for i, s := range sf.settings {
		names[i] = s.name
		if d := editDistance(strings.ToLower(name), s.name); d < bestDist {
			best, bestDist = s.name, d
		}
	}
	msg := fmt.Sprintf("%s is not a %s", name, sf.kind)
	if best != "" {
		return msg + fmt.Sprintf(": did you mean %s?", best)
	}
	return msg + "; the settings are " + joinAnd(names)
}

func (sf settingsFile) setText(s setting, val *yaml.Node) Problems {
	switch val.Kind {
	case yaml.ScalarNode:
		*s.text = scalar(val)
		return nil
	case yaml.SequenceNode:
		return Problems{sf.at(val.Line, s.name+" is a list here; write it as text on the same line, in quotes if it contains \": \"")}
	default:
		return Problems{sf.at(val.Line, s.name+" has settings indented under it; write it as text on the same line, in quotes if it contains \": \"")}
	}
}

func (sf settingsFile) setList(s setting, val *yaml.Node) Problems {
	if val.Kind == yaml.ScalarNode && scalar(val) == "" {
		return nil
	}
	if val.Kind != yaml.SequenceNode {
		return Problems{sf.at(val.Line, fmt.Sprintf("%s must be a list, like %s", s.name, s.example))}
	}
	var ps Problems
	for i, item := range val.Content {
		if item.Kind != yaml.ScalarNode {
			ps = append(ps, sf.at(item.Line, fmt.Sprintf("%s: item %d is not plain text", s.name, i+1)))
			continue
		}
		*s.list = append(*s.list, scalar(item))
		if s.itemLines != nil {
			*s.itemLines = append(*s.itemLines, item.Line+sf.offset)
		}
	}
	return ps
}

func (sf settingsFile) setFlag(s setting, val *yaml.Node) Problems {
	switch {
	case val.Kind != yaml.ScalarNode:
		return Problems{sf.at(val.Line, s.name+" must be true or false")}
	case val.Decode(s.flag) != nil:
		return Problems{sf.at(val.Line, fmt.Sprintf("%s is %q; write true or false", s.name, val.Value))}
	}
	return nil
}

// scalar is a scalar's text, with YAML's null (an empty value, or ~) as
// empty text.
func scalar(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// tabIndent returns the first line (1-based) that starts with a tab, or 0.
// YAML refuses tabs for indentation but names the wrong line.
func tabIndent(body []byte) int {
	for i, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(strings.TrimLeft(line, " "), "\t") {
			return i + 1
		}
	}
	return 0
}

// joinAnd lists names as "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// editDistance is the Levenshtein distance between a and b, for
// suggesting the setting a mistyped key meant.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

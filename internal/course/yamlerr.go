package course

import (
	"regexp"
	"strconv"
	"strings"
)

// yamlWords turns the YAML parser's complaints into what the operator
// should do. The parser's own wording ("mapping values are not allowed in
// this context") means nothing to someone editing a course; each entry is
// matched against the start of the parser's message.
var yamlWords = []struct{ parser, operator string }{
	{"mapping values are not allowed", `a value contains ": ", or a line is indented by mistake: put a value with a colon in quotes, like title: "Part one: the start", and start every setting at the beginning of its line`},
	{"did not find expected ',' or ']'", "a list opened with [ is not closed with ]: close it, or put a value that starts with [ in quotes"},
	{"did not find expected ',' or '}'", "a value opened with { is not closed with }: put a value that starts with { in quotes"},
	{"found unexpected end of stream", "a quoted value is not closed: end it with the same quote mark it starts with"},
	{"found unknown escape character", `a backslash in double quotes: use single quotes instead, or write \\ for one backslash`},
	{"could not find expected ':'", `a line is not a setting: write each one as "name: value", such as subject: Welcome`},
	{"did not find expected key", `a line is not a setting: write each one as "name: value", such as subject: Welcome, and start it at the beginning of its line`},
	{"block sequence entries are not allowed", `a value starts with "- ": put it in quotes`},
	{"found character that cannot start any token", "a value starts with a character YAML keeps for itself (@, ` or %): put the value in quotes"},
	{"unknown anchor", "a value starts with *, which YAML reads as a reference: put the value in quotes"},
	{"did not find expected alphabetic or numeric character", "a value starts with & or *, which YAML keeps for itself: put the value in quotes"},
	{"control characters are not allowed", "the file holds a control character (an invisible one such as a form feed): delete it"},
	{"invalid leading UTF-8 octet", "the file is not UTF-8 text: save it as UTF-8"},
	{"invalid trailing UTF-8 octet", "the file is not UTF-8 text: save it as UTF-8"},
	{"incomplete UTF-8 octet sequence", "the file is not UTF-8 text: save it as UTF-8"},
}

// yamlFallback is said when the parser's complaint is none of the above.
const yamlFallback = `this is not valid YAML: check the quotes, the colons and the indentation (each setting is "name: value" at the start of its line)`

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)`)

// yamlProblem places a YAML syntax error on its line (the first when the
// parser gives none) and says it in the operator's words.
func yamlProblem(file string, offset int, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	for _, w := range yamlWords {
		if strings.HasPrefix(msg, w.parser) {
			return Problem{File: file, Line: line + offset, Msg: w.operator}
		}
	}
	return Problem{File: file, Line: line + offset, Msg: yamlFallback}
}

package mailer

import "strings"

// Unflow turns the text of a format=flowed part (RFC 3676), as it came
// off the wire and out of its transfer encoding, into what a mail client
// shows: the space-stuffing taken off each line, and the lines that a
// soft break (a trailing space) ends joined with the next line of the
// same quote depth, so each paragraph is one line, to be wrapped to the
// reader's screen. With delSp (the part's DelSp=yes), the soft break's
// space goes too. The signature separator "-- " is never a soft break.
// Lines come back separated by "\n".
func Unflow(text string, delSp bool) string {
	var b strings.Builder
	open, depth := false, 0
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		d := len(line) - len(strings.TrimLeft(line, ">"))
		content := strings.TrimPrefix(line[d:], " ") // stuffing, or the space after the quote marks
		if !open || d != depth {
			if i > 0 {
				b.WriteByte('\n')
			}
			if d > 0 {
				b.WriteString(strings.Repeat(">", d) + " ")
			}
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delSp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		open, depth = soft, d
	}
	return b.String()
}

package bounce

import (
	"bytes"
	"net/textproto"
	"strings"
)

// Bounds on header blocks. Real reports stay far inside them; a hostile one
// costs at most maxFields*maxFieldLen bytes of memory per block.
const (
	maxFields   = 500
	maxFieldLen = 8 << 10
)

// field is one header field: its key in canonical form and its value
// unfolded onto one line.
type field struct {
	key   string
	value string
}

// header is a block of fields in the order they came.
type header []field

// get returns the first value of key (canonical form), or "".
func (h header) get(key string) string {
	for _, f := range h {
		if f.key == key {
			return f.value
		}
	}
	return ""
}

// all returns every value of key (canonical form).
func (h header) all(key string) []string {
	var vs []string
	for _, f := range h {
		if f.key == key {
			vs = append(vs, f.value)
		}
	}
	return vs
}

// nextLine splits b after its first line, dropping the LF or CRLF.
func nextLine(b []byte) (line, rest []byte) {
	line = b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line, rest = b[:i], b[i+1:]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// splitField reads "Key: value". The key must be printable ASCII without
// spaces, as RFC 5322 section 2.2 says; a line that is not a field returns
// ok false.
func splitField(line []byte) (key, value []byte, ok bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 || i > 76 {
		return nil, nil, false
	}
	k := bytes.TrimRight(line[:i], " \t")
	if len(k) == 0 {
		return nil, nil, false
	}
	for _, c := range k {
		if c <= ' ' || c > '~' {
			return nil, nil, false
		}
	}
	return k, bytes.TrimSpace(line[i+1:]), true
}

// builder collects one block of fields, unfolding continuation lines into
// a byte buffer so that a field folded over a million lines stays linear.
type builder struct {
	fields header
	key    []byte
	val    []byte
	open   bool
}

func (b *builder) start(key, value []byte) {
	b.flush()
	b.key, b.open = key, true
	b.val = append(b.val[:0], value...)
	if len(b.val) > maxFieldLen {
		b.val = b.val[:maxFieldLen]
	}
}

func (b *builder) fold(line []byte) {
	if !b.open || len(b.val) >= maxFieldLen {
		return
	}
	b.val = append(b.val, ' ')
	b.val = append(b.val, bytes.TrimSpace(line)...)
	if len(b.val) > maxFieldLen {
		b.val = b.val[:maxFieldLen]
	}
}

func (b *builder) flush() {
	// Keys are made canonical only for the fields kept, so that a header
	// of a million lines past the cap costs no allocation per line.
	if b.open && len(b.fields) < maxFields {
		key := textproto.CanonicalMIMEHeaderKey(string(b.key))
		b.fields = append(b.fields, field{key, strings.TrimSpace(string(b.val))})
	}
	b.open = false
}

// readHeader reads a header block from the start of b and returns it with
// the body that follows the blank line. It is lenient where real mail is
// sloppy: an mbox "From " line first is skipped, and a line that is neither
// a field nor a continuation ends the header there (the body starts with
// it), as when the blank line is missing.
func readHeader(b []byte) (header, []byte) {
	var hb builder
	rest := b
	for first := true; len(rest) > 0; first = false {
		line, next := nextLine(rest)
		switch {
		case len(line) == 0:
			hb.flush()
			return hb.fields, next
		case line[0] == ' ' || line[0] == '\t':
			hb.fold(line)
		case first && bytes.HasPrefix(line, []byte("From ")):
		default:
			k, v, ok := splitField(line)
			if !ok {
				hb.flush()
				return hb.fields, rest
			}
			hb.start(k, v)
		}
		rest = next
	}
	hb.flush()
	return hb.fields, nil
}

// fieldBlocks reads a body made of header-like blocks separated by blank
// lines, as message/delivery-status (RFC 3464 section 2.1) and
// message/feedback-report (RFC 5965 section 3.1) are. Lines that are not
// fields are skipped; at most limit fields are kept in all.
func fieldBlocks(b []byte, limit int) []header {
	var blocks []header
	var hb builder
	count := 0
	end := func() {
		hb.flush()
		if len(hb.fields) > 0 {
			count += len(hb.fields)
			blocks = append(blocks, hb.fields)
		}
		hb = builder{val: hb.val[:0]}
	}
	for rest := b; len(rest) > 0 && count < limit; {
		var line []byte
		line, rest = nextLine(rest)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			end()
		case line[0] == ' ' || line[0] == '\t':
			hb.fold(line)
		default:
			if k, v, ok := splitField(line); ok {
				hb.start(k, v)
			} else {
				hb.flush()
			}
		}
	}
	end()
	return blocks
}

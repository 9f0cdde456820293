package bounce

import (
	"strconv"
	"strings"
	"time"
)

// dsnRecipient is one per-recipient block of a DSN (RFC 3464 section 2.3).
type dsnRecipient struct {
	final, orig, action, status, diag, last string
}

// has reports whether the block already holds key, so that a second
// Final-Recipient (or Action, or Status) starts the next recipient even
// when a sloppy report left out the blank line between them.
func (r *dsnRecipient) has(key string) bool {
	switch key {
	case "Final-Recipient":
		return r.final != ""
	case "Original-Recipient":
		return r.orig != ""
	case "Action":
		return r.action != ""
	case "Status":
		return r.status != ""
	}
	return false
}

func (r *dsnRecipient) set(f field) {
	switch f.key {
	case "Final-Recipient":
		r.final = f.value
	case "Original-Recipient":
		r.orig = f.value
	case "Action":
		r.action = f.value
	case "Status":
		r.status = f.value
	case "Diagnostic-Code":
		r.diag = f.value
	case "Last-Attempt-Date":
		r.last = f.value
	}
}

// dsn reads a delivery status notification: the message/delivery-status
// part of RFC 3464, or message/global-delivery-status of RFC 6533, or a
// text part that carries the same fields where a sloppy sender put them.
func (m *message) dsn() []Report {
	p, ok := m.part("message/delivery-status", "message/global-delivery-status")
	if !ok {
		if p, ok = m.dsnInText(); !ok {
			return nil
		}
	}
	perMsg, recips := dsnRecipients(fieldBlocks(p.decoded(), maxRecipients*12+50))
	arrival := parseDate(perMsg.get("Arrival-Date"))
	// Gmail names the original in the per-message block.
	m.altID = perMsg.get("X-Original-Message-Id")
	var out []Report
	for _, r := range recips {
		out = append(out, dsnReport(r, arrival))
	}
	if len(out) == 0 {
		return m.textReports("dsn", true)
	}
	m.fillFromText(out)
	return out
}

// dsnInText finds a text/plain part after the first whose body starts with
// DSN fields.
func (m *message) dsnInText() (entity, bool) {
	for i, p := range m.parts {
		if i == 0 || p.mediaType != "text/plain" {
			continue
		}
		h, _ := readHeader(p.decoded())
		if h.get("Final-Recipient") != "" || h.get("Reporting-Mta") != "" && h.get("Arrival-Date") != "" {
			return p, true
		}
	}
	return entity{}, false
}

// dsnRecipients sorts the fields into the per-message block and the
// per-recipient blocks (RFC 3464 section 2.1): a block that names a
// recipient, an action or a status is a recipient's.
func dsnRecipients(blocks []header) (perMsg header, out []dsnRecipient) {
	for _, b := range blocks {
		if b.get("Final-Recipient") == "" && b.get("Original-Recipient") == "" &&
			b.get("Action") == "" && b.get("Status") == "" {
			perMsg = append(perMsg, b...)
			continue
		}
		var cur *dsnRecipient
		for _, f := range b {
			if cur == nil || cur.has(f.key) {
				if len(out) >= maxRecipients {
					return perMsg, out
				}
				out = append(out, dsnRecipient{})
				cur = &out[len(out)-1]
			}
			cur.set(f)
			if f.key == "Arrival-Date" {
				perMsg = append(perMsg, f)
			}
		}
	}
	return perMsg, out
}

// dsnReport turns one recipient block into a report. Original-Recipient is
// preferred: it is the address we sent to, where Final-Recipient may be
// where that address forwarded.
func dsnReport(r dsnRecipient, arrival time.Time) Report {
	rep := Report{Source: "dsn", Action: firstWord(r.action)}
	rep.Recipient = dsnAddress(r.orig)
	if rep.Recipient == "" {
		rep.Recipient = dsnAddress(r.final)
	}
	rep.Diagnostic = typedValue(r.diag)
	rep.Status = refine(statusField(r.status), rep.Diagnostic)
	if rep.Action == "" {
		rep.Action = actionOf(rep.Status)
	}
	if rep.At = parseDate(r.last); rep.At.IsZero() {
		rep.At = arrival
	}
	return rep
}

// dsnAddress reads "address-type; address" (RFC 3464 section 2.3.1 and
// 2.3.2). The utf-8 type of RFC 6533 section 3 writes non-ASCII as
// \x{HEX}, undone here.
func dsnAddress(v string) string {
	typ, addr, ok := strings.Cut(v, ";")
	if !ok {
		addr, typ = v, ""
	}
	if strings.EqualFold(strings.TrimSpace(typ), "utf-8") {
		addr = unescapeUTF8(addr)
	}
	return cleanAddress(addr)
}

// typedValue drops the "smtp;" or "X-Postfix;" type in front of a
// Diagnostic-Code (RFC 3464 section 2.3.6).
func typedValue(v string) string {
	typ, rest, ok := strings.Cut(v, ";")
	if ok && typ != "" && !strings.ContainsAny(strings.TrimSpace(typ), " \t") {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

// firstWord returns the first word of v, lower-cased ("failed" of
// "failed (bad mailbox)").
func firstWord(v string) string {
	f := strings.Fields(strings.ToLower(v))
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], ";,.")
}

// actionOf guesses the action of a block that left it out, from its
// status class.
func actionOf(status string) string {
	switch {
	case strings.HasPrefix(status, "5."):
		return "failed"
	case strings.HasPrefix(status, "4."):
		return "delayed"
	case strings.HasPrefix(status, "2."):
		return "delivered"
	}
	return ""
}

// unescapeUTF8 undoes \x{HEX} escapes.
func unescapeUTF8(s string) string {
	var sb strings.Builder
	for {
		i := strings.Index(s, `\x{`)
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			break
		}
		sb.WriteString(s[:i])
		if n, err := strconv.ParseUint(s[i+3:i+j], 16, 32); err == nil && n <= 0x10FFFF {
			sb.WriteRune(rune(n))
		}
		s = s[i+j+1:]
	}
	sb.WriteString(s)
	return sb.String()
}

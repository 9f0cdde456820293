package bounce

// feedback reads an ARF complaint (RFC 5965): the message/feedback-report
// part's fields and the returned original. Each Original-Rcpt-To is a
// report; without one, the original's To names the reader, and a feedback
// loop that redacted both gives a report with an empty Recipient that its
// token or Message-ID still matches.
func (m *message) feedback() []Report {
	p, ok := m.part("message/feedback-report")
	if !ok {
		return nil
	}
	var f header
	for _, b := range fieldBlocks(p.decoded(), 200) {
		f = append(f, b...)
	}
	ft := firstWord(f.get("Feedback-Type"))
	kind, ours := ClassifyFeedback(ft)
	at := parseDate(f.get("Arrival-Date"))
	if at.IsZero() {
		at = parseDate(f.get("Received-Date"))
	}
	rcpts := f.all("Original-Rcpt-To")
	if len(rcpts) == 0 {
		rcpts = []string{firstAddress(m.returned.get("To"))}
	}
	var out []Report
	for _, rc := range rcpts {
		if len(out) == maxRecipients {
			break
		}
		out = append(out, Report{
			Recipient: dsnAddress(rc), Action: "complaint", Kind: kind, OurSending: ours,
			FeedbackType: ft, Source: "arf", At: at,
		})
	}
	return out
}

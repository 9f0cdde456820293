package store

import (
	"encoding/json"
	"strconv"
	"time"
)

// appendEntry appends e as one line of JSON, byte for byte as json.Marshal
// writes it (TestJournalLinesAreJSON), but without reflection: it runs
// once for every send. Replays read the lines with json.Unmarshal.
func appendEntry(dst []byte, e entry) ([]byte, error) {
	o := &e.O
	dst = append(dst, `{"s":`...)
	dst = strconv.AppendInt(dst, e.Seq, 10)
	dst = append(dst, `,"o":{"DeliveryID":`...)
	dst = strconv.AppendInt(dst, o.DeliveryID, 10)
	dst = append(dst, `,"EnrollmentID":`...)
	dst = strconv.AppendInt(dst, o.EnrollmentID, 10)
	dst = append(dst, `,"SubscriberID":`...)
	dst = strconv.AppendInt(dst, o.SubscriberID, 10)
	dst = append(dst, `,"Slug":`...)
	dst = appendJSONString(dst, o.Slug)
	dst = append(dst, `,"Result":`...)
	dst = appendJSONString(dst, string(o.Result))
	dst = append(dst, `,"Reply":{"Code":`...)
	dst = strconv.AppendInt(dst, int64(o.Reply.Code), 10)
	dst = append(dst, `,"Enhanced":`...)
	dst = appendJSONString(dst, o.Reply.Enhanced)
	dst = append(dst, `,"Text":`...)
	dst = appendJSONString(dst, o.Reply.Text)
	dst = append(dst, `},"At":`...)
	var err error
	if dst, err = appendJSONTime(dst, o.At); err != nil {
		return dst, err
	}
	dst = append(dst, `,"NextDue":`...)
	if dst, err = appendJSONTime(dst, o.NextDue); err != nil {
		return dst, err
	}
	dst = append(dst, `,"Complete":`...)
	dst = strconv.AppendBool(dst, o.Complete)
	dst = append(dst, `,"Bounce":`...)
	dst = strconv.AppendBool(dst, o.Bounce)
	return append(dst, "}}\n"...), nil
}

// appendJSONString copies plain strings as they are and leaves anything
// that needs escaping (quotes, controls, HTML characters, non-ASCII) to
// encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendJSONTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	return append(dst, '"'), err
}

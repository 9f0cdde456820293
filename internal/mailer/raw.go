package mailer

import (
	"fmt"
)

// Raw returns m as it would be written to the wire or the outbox, but
// without a DKIM signature: for showing an operator what a message looks
// like, not for sending.
func Raw(m *Message) ([]byte, error) {
	b, err := wire(m, nil)
	if err != nil {
		return nil, fmt.Errorf("mailer: raw message: %w", err)
	}
	return b, nil
}

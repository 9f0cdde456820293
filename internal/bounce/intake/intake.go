// Package intake takes bounce and complaint reports in, whichever way they
// arrive (the bounce domain's SMTP receiver, the bounce command, the raw
// message endpoint, provider webhooks), and has the store record each:
// matched to the message it is about by its VERP token (verified with the
// signer), else its Message-ID, else its recipient, kept once per report,
// and acted on by the policy in the same transaction (store.RecordReport).
//
// Parsing is package bounce's and authenticating providers package
// provider's; intake is where they meet the store, the log and the
// metrics. It tells the operator, in the log, once per report about a
// failure of our own sending, and when the rates mail providers judge a
// sender by cross their thresholds (health.go).
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/dripcourse/dripcourse/internal/bounce"
	"github.com/dripcourse/dripcourse/internal/metrics"
	"github.com/dripcourse/dripcourse/internal/store"
	"github.com/dripcourse/dripcourse/internal/token"
)

// Config sets up an Intake. DB and Signer are required.
type Config struct {
	DB     *store.DB
	Signer *token.Signer
	// Domain is the bounce domain of VERP return addresses; empty when
	// messages are sent from DRIP_FROM, and no token is looked for.
	Domain string
	// SoftLimit is how many soft-bounced messages in a row suppress an
	// address (5 when zero).
	SoftLimit int
	Now       func() time.Time
	Log       *slog.Logger
	Metrics   *metrics.Metrics // nil: nothing counted
}

// Intake records reports. Make it with New; it is safe for concurrent use.
type Intake struct {
	cfg    Config
	health health
	logs   limitedLog
}

// New returns an Intake for cfg.
func New(cfg Config) *Intake {
	if cfg.SoftLimit <= 0 {
		cfg.SoftLimit = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Intake{cfg: cfg, logs: limitedLog{every: time.Minute, last: map[string]time.Time{}}}
}

// Result is one report and what recording it did (or, in a dry run, what
// it matched).
type Result struct {
	Report bounce.Report
	Out    store.ReportOut
}

// Message reads one raw message (a delivery status notification, a
// complaint, an auto-reply) received for envelope (the SMTP recipient,
// or empty when unknown) and records each report in it, unless dryRun. An
// error from package bounce means the message holds nothing to record;
// any other means the reports were not all recorded, and the message
// should be offered again (recording is idempotent).
func (in *Intake) Message(ctx context.Context, raw []byte, envelope string, dryRun bool) ([]Result, error) {
	reports, err := bounce.Parse(raw, bounce.Options{Domain: in.cfg.Domain, Envelope: envelope})
	if err != nil {
		return nil, err
	}
	key := contentKey(raw)
	var out []Result
	for _, r := range reports {
		res, err := in.record(ctx, r, "mail:"+reportHash(key, r), dryRun)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// Reports records a provider's reports, each under its event id.
func (in *Intake) Reports(ctx context.Context, reports []bounce.Report) ([]Result, error) {
	var out []Result
	for _, r := range reports {
		key := r.Source + ":" + r.EventID
		if r.EventID == "" {
			key = r.Source + ":" + reportHash(r.MessageID+"\n"+r.At.UTC().Format(time.RFC3339), r)
		}
		res, err := in.record(ctx, r, key, false)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// record verifies the report's token and records it (or only matches it,
// in a dry run), then logs and counts what is new.
func (in *Intake) record(ctx context.Context, r bounce.Report, key string, dryRun bool) (Result, error) {
	ri := store.ReportIn{Key: key, Source: r.Source, MessageID: r.MessageID, Recipient: r.Recipient, Status: r.Status,
		Action: r.Action, FeedbackType: r.FeedbackType, Kind: string(r.Kind), OurSending: r.OurSending,
		Diagnostic: r.Diagnostic, At: r.At, ReceivedAt: in.cfg.Now().UTC()}
	if r.Token != "" {
		ref, err := in.cfg.Signer.ParseBounce(r.Token)
		switch {
		case err != nil:
			ri.BadToken = true
		case ref.Kind == token.BounceLesson:
			ri.Lesson = ref.ID
		default:
			ri.Confirmation = ref.ID
		}
	}
	if dryRun {
		out, err := in.cfg.DB.MatchReport(ctx, ri)
		return Result{Report: r, Out: out}, err
	}
	out, err := in.cfg.DB.RecordReport(ctx, ri, in.cfg.SoftLimit)
	if err != nil {
		return Result{Report: r}, fmt.Errorf("intake: %w", err)
	}
	if !out.Duplicate {
		in.recorded(ctx, r, out)
	}
	return Result{Report: r, Out: out}, nil
}

// recorded logs and counts a report recorded for the first time.
func (in *Intake) recorded(ctx context.Context, r bounce.Report, out store.ReportOut) {
	in.cfg.Metrics.Bounce(string(r.Kind), r.OurSending, out.SubscriberID == 0)
	attrs := []any{"report", out.ID, "source", r.Source, "kind", r.Kind, "status", r.Status, "reader", out.SubscriberID,
		"matched_by", out.MatchedBy, "outcome", out.Outcome}
	switch {
	case r.OurSending:
		in.cfg.Log.Warn("a mail server refused our sending: check SPF, DKIM, DMARC, block lists and the relay's account (the reader is not charged)",
			append(attrs, "diagnostic", r.Diagnostic)...)
	case out.SubscriberID == 0:
		in.cfg.Log.Info("bounce report matched no reader; kept for the operator", attrs...)
	default:
		in.cfg.Log.Info("bounce report recorded", attrs...)
	}
	in.checkHealth(ctx)
}

// contentKey identifies a mail report by what its sender wrote, not by
// how it reached us: the body, with line ends made LF, and the header
// fields the reporting system sets (Message-ID, Date, From, Subject).
// Relays and pipe transports add trace fields (Received, Return-Path,
// Delivered-To) and may change line ends, so the same report taken over
// SMTP and through the bounce command has one key.
func contentKey(raw []byte) string {
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	head, body, _ := strings.Cut(text, "\n\n")
	h := sha256.New()
	for _, name := range []string{"message-id", "date", "from", "subject"} {
		fmt.Fprintf(h, "%s:%s\n", name, headerValue(head, name))
	}
	io.WriteString(h, strings.TrimRight(body, "\n \t"))
	return hex.EncodeToString(h.Sum(nil))
}

// headerValue is the first field called name (lower-case) in head,
// unfolded and trimmed.
func headerValue(head, name string) string {
	lines := strings.Split(head, "\n")
	for i, l := range lines {
		k, v, ok := strings.Cut(l, ":")
		if !ok || strings.ToLower(strings.TrimSpace(k)) != name {
			continue
		}
		for _, more := range lines[i+1:] {
			if more == "" || (more[0] != ' ' && more[0] != '\t') {
				break
			}
			v += " " + strings.TrimSpace(more)
		}
		return strings.TrimSpace(v)
	}
	return ""
}

// reportHash is the key of one report of a message or event: what it is
// about, and the recipient's outcome.
func reportHash(content string, r bounce.Report) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{content, r.Recipient, r.Action, r.Status, string(r.Kind)}, "\n")))
	return hex.EncodeToString(sum[:])
}

// limitedLog lets a line through once per key per every, so that a flood
// of refused requests is one line a minute, not one a request; it says how
// many it held back.
type limitedLog struct {
	mu    sync.Mutex
	every time.Duration
	last  map[string]time.Time
	held  map[string]int
}

// due reports whether a line for key may be logged now, and how many
// were held back since the last one.
func (l *limitedLog) due(key string, now time.Time) (bool, int) {
	return l.dueEvery(key, now, l.every)
}

// dueEvery is due with its own interval.
func (l *limitedLog) dueEvery(key string, now time.Time, every time.Duration) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]int{}
	}
	if at, ok := l.last[key]; ok && now.Sub(at) < every {
		l.held[key]++
		return false, 0
	}
	if len(l.last) > 1000 { // only a flood of distinct keys gets here
		clear(l.last)
		clear(l.held)
	}
	l.last[key] = now
	n := l.held[key]
	delete(l.held, key)
	return true, n
}

// errNotRecorded is what a caller may show for a failure to record.
var errNotRecorded = errors.New("intake: the report was not recorded; try again later")

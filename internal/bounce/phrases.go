package bounce

// The phrases below are the fixed sentences that mail systems write in
// their bounces, all lower-case. Text phrases are matched anywhere in the
// lower-cased text; subject phrases only at the subject's start.

// signatures name a mail system by the sentence its bounces open with.
// Order matters: the first match names the source.
var signatures = []struct{ source, phrase string }{
	{"qmail", "this is the qmail-send program"},
	{"yahoo", "sorry, we were unable to deliver your message"},
	{"exim", "this message was created automatically by mail delivery software"},
	{"postfix", "this is the mail system at host"},
	{"postfix", "this is the postfix program at host"},
	{"exchange", "delivery has failed to these recipients or groups"},
	{"exchange", "delivery is delayed to these recipients or groups"},
	{"exchange", "did not reach some or all of the intended recipients"},
	{"exchange", "remote server returned '"},
	{"gmail", "google tried to deliver your message"},
	{"gmail", "delivery to the following recipient failed permanently"},
	{"gmail", "your message wasn't delivered to"},
	{"gmail", "there was a temporary problem delivering your message"},
	{"sendmail", "the following addresses had permanent fatal errors"},
	{"sendmail", "the following addresses had transient non-fatal errors"},
	{"sendmail", "transcript of session follows"},
	{"heuristic", "could not be delivered to one or more"},
	{"heuristic", "delivery to the following recipients failed"},
	{"heuristic", "the following address(es) failed"},
}

// bounceSubjects are subjects of delivery reports, in several languages
// for Exchange's localised ones.
var bounceSubjects = []string{
	"undelivered mail", "undeliverable", "mail delivery failed", "delivery status notification",
	"returned mail", "failure notice", "delivery failure", "non-delivery", "nondeliverable",
	"delivery has failed", "mail delivery system", "delivery notification", "delayed mail",
	"delivery delayed", "mail could not be delivered", "message not delivered", "unzustellbar",
	"non remis", "onbestelbaar", "no se puede entregar", "impossibile recapitare",
	"não é possível entregar", "warning: could not send message", "warning: message",
}

// delaySubjects and delayPhrases mark a warning that delivery is still
// being tried: Postfix "Delayed Mail (still being retried)", Exim
// "Warning: message ... delayed", Sendmail "Warning: could not send
// message for past 4 hours", Gmail "(Delay)", Exchange "Delivery delayed".
var (
	delaySubjects = []string{
		"delayed mail", "delivery delayed", "warning: could not send message", "warning: message",
		"delay notification", "delivery status notification (delay)",
	}
	delayPhrases = []string{
		"this is a warning only", "warning message only", "do not need to resend",
		"has not yet been delivered", "hasn't been delivered yet", "delivery is delayed",
		"delivery attempts will continue", "will continue to be attempted",
		"there was a temporary problem delivering", "will retry for",
	}
)

// returnMarkers start the copy of the original message in a text bounce.
var returnMarkers = []string{
	"--- below this line is a copy of the message", // qmail, Yahoo
	"------ this is a copy of the message",         // Exim
	"------ this is a copy of the body of the message",
	"original message headers:", // Exchange
	"----- original message -----",
	"-----original message-----",
	"----- unsent message follows -----", // Sendmail
	"----- message header follows -----",
	"----- original message follows -----",
	"----- the header of the original message follows",
}

// replyPrefixes start the subjects of replies and forwards, in the
// languages common mail programs use.
var replyPrefixes = []string{"re:", "re :", "fw:", "fwd:", "aw:", "wg:", "sv:", "vs:", "tr:", "rv:", "r:", "i:"}

// autoSubjects are the subjects of auto-replies, in the languages Outlook
// and common webmails use.
var autoSubjects = []string{
	"out of office", "out of the office", "automatic reply", "auto reply", "auto-reply",
	"autoreply", "auto response", "auto-response", "autoresponse", "auto:", "vacation",
	"abwesenheitsnotiz", "automatische antwort", "réponse automatique", "reponse automatique",
	"respuesta automática", "risposta automatica", "automatisch antwoord", "resposta automática",
}

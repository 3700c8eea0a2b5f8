package notifications

// E-mail outcomes counted through Metrics.
const (
	EmailSent    = "sent"    // the mail server took the message
	EmailFailed  = "failed"  // refused for good, or out of attempts: not retried
	EmailRetried = "retried" // a temporary failure: the job runs again later
)

// Metrics counts what the workers do. httpkit's metrics satisfy it;
// Config.Metrics nil counts nothing.
type Metrics interface {
	// EmailOutcome counts one attempt to send one e-mail by outcome
	// (EmailSent, EmailFailed or EmailRetried) and message kind
	// (a domain.MessageKind: "going", "update", "invitation",
	// "confirm_rsvp", ...).
	EmailOutcome(kind, outcome string)
}

type noMetrics struct{}

func (noMetrics) EmailOutcome(string, string) {}

// countEmail counts one e-mail outcome; workers built without Register
// (in tests) have no Metrics.
func (c Config) countEmail(kind, outcome string) {
	if c.Metrics != nil {
		c.Metrics.EmailOutcome(kind, outcome)
	}
}

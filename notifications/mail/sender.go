package mail

import (
	"context"
	"errors"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers messages. Send returns one error slot per message, in the
// same order: nil means the message was handed over (accepted by the SMTP
// server, or written to disk). A non-nil error is a *DeliveryError;
// IsPermanent tells whether retrying can help. Send never panics on bad
// input: a message that cannot be rendered gets a permanent error and the
// others are still sent. Implementations are safe for concurrent use.
type Sender interface {
	Send(ctx context.Context, msgs []Message) []error
}

// Submission is one message handed to a Submitter, with the context of
// whoever hands it over and the function told its outcome.
type Submission struct {
	Msg Message
	// Ctx belongs to whoever hands the message over. The message is not
	// begun once Ctx has ended, and is cut off if Ctx ends while it is
	// being sent (the server may then have taken it or not): nothing is
	// sent for a caller after it has given up.
	Ctx context.Context
	// Done is told the message's outcome, as Send's error slot, exactly
	// once and as soon as it is known: before the next message goes over
	// the same connection. It may block — the connection waits for it —
	// so that what it records is durable before the next message leaves.
	// It may be called from another goroutine than Submit's, and for
	// the submissions of one call concurrently.
	Done func(error)
}

// Submitter is a Sender that reports each message's outcome as soon as
// it is known, so that a caller can record a message as sent before the
// next one leaves: after a crash at most the messages in flight are sent
// again.
type Submitter interface {
	Sender
	// Submit sends the submissions' messages and returns once every
	// Done has returned. ctx bounds the whole call; each submission's
	// Ctx bounds its message.
	Submit(ctx context.Context, subs []Submission)
}

// Submit sends the submissions' messages with s: through its Submit when
// s is a Submitter, otherwise with one Send of the messages whose callers
// still wait, each outcome reported when Send returns.
func Submit(ctx context.Context, s Sender, subs []Submission) {
	if is, ok := s.(Submitter); ok {
		is.Submit(ctx, subs)
		return
	}
	var (
		msgs []Message
		live []Submission
	)
	for _, sub := range subs {
		if err := sub.Ctx.Err(); err != nil {
			sub.Done(&DeliveryError{MessageID: sub.Msg.ID, Stage: StageConnect, Err: err})
			continue
		}
		msgs = append(msgs, sub.Msg)
		live = append(live, sub)
	}
	if len(msgs) == 0 {
		return
	}
	for i, err := range s.Send(ctx, msgs) {
		live[i].Done(err)
	}
}

// Stage is the step at which a delivery failed.
type Stage string

// Delivery stages, in the order they happen.
const (
	// StageRender: the message could not be rendered (permanent).
	StageRender Stage = "render"
	// StageConnect: dialling, greeting, EHLO, STARTTLS or AUTH failed. It
	// concerns the server or the configuration, never one message, so it
	// is never permanent.
	StageConnect Stage = "connect"
	// StageMailFrom: the server refused the envelope sender.
	StageMailFrom Stage = "mail_from"
	// StageRcptTo: the server refused the recipient.
	StageRcptTo Stage = "rcpt_to"
	// StageData: the server refused DATA or the message content, or the
	// connection failed while it was sent.
	StageData Stage = "data"
	// StageWrite: writing an .eml file failed.
	StageWrite Stage = "write"
)

// DeliveryError is the error a Sender reports for one message.
type DeliveryError struct {
	MessageID string
	Stage     Stage
	// Code is the SMTP reply code (550, 451...) or 0 when there was no
	// reply: a refused connection, a timeout, a closed connection.
	Code int
	// EnhancedCode is the RFC 3463 status ("5.1.1") when the server sent one.
	EnhancedCode string
	// Permanent reports that the same message will be refused again: see
	// IsPermanent.
	Permanent bool
	Err       error
}

// Error says which message failed, where, and why. It never contains SMTP
// credentials.
func (e *DeliveryError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("message <%s>: %s failure at %s: %v", e.MessageID, kind, e.Stage, e.Err)
}

// Unwrap returns the underlying error.
func (e *DeliveryError) Unwrap() error { return e.Err }

// IsPermanent reports whether err means that sending the same message again
// cannot succeed, so the delivery should be marked failed rather than
// retried:
//
//   - the message cannot be rendered (ErrInvalid);
//   - the server answered RCPT TO with a 5xx reply for this recipient
//     (550 no such user, 552 mailbox full, 553...), except 530 and X.7.0,
//     which ask for authentication and so concern the configuration;
//   - the server refused the message itself with a 5xx reply to DATA or
//     after it (554 content rejected, 552 too big);
//   - the server answered MAIL FROM with 552 (too big for the SIZE given).
//
// It is false for every 4xx reply (451, 421: try later), for replies to
// MAIL FROM other than 552 (they concern the sender address, that is the
// configuration, and would fail every message alike), for failures while
// connecting, greeting or authenticating, and for errors without a reply:
// a refused connection, a timeout, a connection closed mid-way, a cancelled
// context, a disk error. Errors it does not know are not permanent.
//
// go-mail's (*mail.SendError).IsTemp is no substitute: it is true only for
// 4xx replies, so a refused connection or a timeout reads as not temporary.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var de *DeliveryError
	if errors.As(err, &de) {
		return de.Permanent
	}
	if errors.Is(err, ErrInvalid) {
		return true
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		st, code, enh := sendErrorDetails(se)
		return permanentReply(st, code, enh)
	}
	return false
}

// sendErrorDetails maps a go-mail SendError to the stage, the reply code
// and the enhanced status code.
func sendErrorDetails(se *gomail.SendError) (Stage, int, string) {
	var st Stage
	switch se.Reason {
	case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
		st = StageRender
	case gomail.ErrSMTPMailFrom:
		st = StageMailFrom
	case gomail.ErrSMTPRcptTo:
		st = StageRcptTo
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose, gomail.ErrWriteContent, gomail.ErrSMTPReset:
		st = StageData
	default:
		st = StageConnect
	}
	return st, se.ErrorCode(), se.EnhancedStatusCode()
}

// permanentReply applies the rules documented on IsPermanent.
func permanentReply(st Stage, code int, enhanced string) bool {
	switch st {
	case StageRender:
		return true
	case StageRcptTo:
		return code >= 500 && code < 600 && code != 530 && enhanced != "5.7.0"
	case StageData:
		return code >= 500 && code < 600
	case StageMailFrom:
		return code == 552
	}
	return false
}

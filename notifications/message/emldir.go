package message

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EMLDir is the Sender used when no SMTP server is configured: it writes
// each message to <Dir>/<message-id>.eml, where an operator (or a test)
// can open it with any mail client. A file is written to a temporary name
// and renamed into place, so a reader never sees half a message; the name
// comes from the Message-ID, so a retry replaces the file instead of adding
// a second one. Files are readable by the owner only: they hold manage
// links.
type EMLDir struct {
	Dir string
}

// NewEMLDir creates dir if needed and returns a Sender that writes into it.
func NewEMLDir(dir string) (*EMLDir, error) {
	if dir == "" {
		return nil, fmt.Errorf("EML directory: no path given")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("EML directory: %w", err)
	}
	return &EMLDir{Dir: dir}, nil
}

// Path returns the file a message with the given Message-ID is written to.
func (d *EMLDir) Path(messageID string) string {
	return filepath.Join(d.Dir, emlFileName(messageID))
}

// Send writes every message; see Sender. Errors writing a file are not
// permanent (the disk may be full for now); a message that cannot be
// rendered is.
func (d *EMLDir) Send(ctx context.Context, msgs []Message) []error {
	errs := make([]error, len(msgs))
	subs := make([]Submission, len(msgs))
	for i, m := range msgs {
		subs[i] = Submission{Msg: m, Ctx: ctx, Done: func(err error) { errs[i] = err }}
	}
	d.Submit(ctx, subs)
	return errs
}

// Submit writes the subs' messages one after the other, telling each
// submission its outcome once its file is in place; see Submitter.
func (d *EMLDir) Submit(ctx context.Context, subs []Submission) {
	for _, sub := range subs {
		m := sub.Msg
		if err := cmp.Or(ctx.Err(), sub.Ctx.Err()); err != nil {
			sub.Done(&DeliveryError{MessageID: m.ID, Stage: StageWrite, Err: err})
			continue
		}
		data, err := m.EML()
		if err != nil {
			sub.Done(&DeliveryError{MessageID: m.ID, Stage: StageRender, Permanent: true, Err: err})
			continue
		}
		if err := writeAtomic(d.Path(m.ID), data); err != nil {
			sub.Done(&DeliveryError{MessageID: m.ID, Stage: StageWrite, Err: err})
			continue
		}
		sub.Done(nil)
	}
}

// emlFileName keeps letters, digits and . - _ @ = + of a Message-ID and
// writes every other byte as %XX, so that no ID can name a path outside the
// directory or a hidden file.
func emlFileName(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			(strings.IndexByte("-_@=+", c) >= 0) || (c == '.' && i > 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String() + ".eml"
}

// writeAtomic writes data to a temporary file in the same directory,
// flushes it to disk and renames it over path.
func writeAtomic(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.eml")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

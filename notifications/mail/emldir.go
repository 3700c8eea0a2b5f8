package mail

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"github.com/convene/convene/domain"
)

// EMLDir is the Sender used when no SMTP server is configured: it writes
// each message to <Dir>/<message-id>~<tag>.eml, where an operator (or a
// test) can open it with any mail client. The tag names the recipient
// (domain.AddressTag) without saying who it is, so that the files of an
// address whose data is erased are found by their names (RemoveRecipient).
// A file is written to a temporary name and renamed into place, so a
// reader never sees half a message; the name comes from the Message-ID, so
// a retry replaces the file instead of adding a second one. Files are
// readable by the owner only: they hold manage links.
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

// Path returns the file a message with the given Message-ID to the
// address to is written to.
func (d *EMLDir) Path(messageID, to string) string {
	return filepath.Join(d.Dir, strings.TrimSuffix(emlFileName(messageID), ".eml")+tagSep+domain.AddressTag(to)+".eml")
}

// tagSep separates the Message-ID from the recipient's tag in a file's
// name; emlFileName writes it as %7E, so it is never part of the ID.
const tagSep = "~"

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
		if err := writeAtomic(d.Path(m.ID, m.To.Address), data); err != nil {
			sub.Done(&DeliveryError{MessageID: m.ID, Stage: StageWrite, Err: err})
			continue
		}
		sub.Done(nil)
	}
}

// RemoveRecipient deletes from dir the files of the messages to the
// address whose tag (domain.AddressTag) is given, and returns how many it
// deleted. Only names are read, except for files named before tags
// (<message-id>.eml): each is read once, up to the end of its header, and
// removed if its To address has the tag, or else renamed with the tag of
// its recipient so that the next erasure knows it by name. Files being
// written (.tmp-*) and files that are not messages are left alone. A
// directory that does not exist holds nothing. It stops when ctx is done.
func RemoveRecipient(ctx context.Context, dir, tag string) (int, error) {
	if !domain.ValidAddressTag(tag) {
		return 0, fmt.Errorf("EML directory: %q is not an address tag", tag)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("EML directory: %w", err)
	}
	var (
		removed int
		errs    []error
	)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".eml") {
			continue
		}
		base := strings.TrimSuffix(name, ".eml")
		path := filepath.Join(dir, name)
		if i := strings.LastIndex(base, tagSep); i >= 0 {
			if base[i+len(tagSep):] != tag {
				continue
			}
		} else {
			// Named before tags: its header says whose it is.
			to, err := recipientOf(path)
			if err != nil {
				continue // not a message of ours: not ours to remove
			}
			if t := domain.AddressTag(to); t != tag {
				tagged := filepath.Join(dir, base+tagSep+t+".eml")
				if _, err := os.Stat(tagged); err == nil {
					// The same message was written again since, under its
					// tagged name: this copy is a duplicate.
					err = os.Remove(path)
					errs = append(errs, err)
				} else {
					errs = append(errs, os.Rename(path, tagged))
				}
				continue
			}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("EML directory: %w", err)
	}
	return removed, nil
}

// recipientOf reads the To address of a message file's header.
func recipientOf(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	m, err := mail.ReadMessage(bufio.NewReader(f))
	if err != nil {
		return "", err
	}
	to, err := m.Header.AddressList("To")
	if err != nil || len(to) == 0 {
		return "", fmt.Errorf("no To address: %v", err)
	}
	return to[0].Address, nil
}

// emlFileName is the name of a message's file before tags: <message-id>.eml.
// It keeps letters, digits and . - _ @ = + of a Message-ID and writes
// every other byte as %XX, so that no ID can name a path outside the
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

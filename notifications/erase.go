package notifications

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/mail"
)

// EraseStore is what the erasure's file work needs from persistence.
type EraseStore interface {
	// TruncateWAL empties SQLite's write-ahead log into the database file
	// (nothing on PostgreSQL); EUNAVAILABLE while another process reads.
	TruncateWAL(ctx context.Context) error
}

// EraseFilesWorker removes what an erasure leaves outside the database's
// rows (domain.EraseFilesArgs): the .eml files of the e-mails to the
// address in the mail directory (Config.MailDir), and on SQLite the old
// page copies in the write-ahead log. A failure is retried; so is a pass
// that ran out of time (files named before tags, read for the first time,
// are renamed as they are read, so every pass gets further).
type EraseFilesWorker struct {
	river.WorkerDefaults[domain.EraseFilesArgs]
	store EraseStore
	dir   string
	cfg   Config
}

// Work removes the files and empties the log.
func (w *EraseFilesWorker) Work(ctx context.Context, job *river.Job[domain.EraseFilesArgs]) error {
	if w.dir != "" {
		n, err := mail.RemoveRecipient(ctx, w.dir, job.Args.AddressTag)
		if n > 0 {
			// The count only: the tag too names the person.
			w.cfg.Logger.InfoContext(ctx, "e-mail files of an erased address removed", "count", n)
		}
		if err != nil {
			return err
		}
	}
	return w.store.TruncateWAL(ctx)
}

package api

import (
	"context"

	"github.com/convene/convene/domain"
)

// JobStore is what the administrator's jobs summary needs from the job
// queue (EINTERNAL when the job table cannot be read).
type JobStore interface {
	JobsSummary(ctx context.Context, limit int) (domain.JobsSummary, error)
}

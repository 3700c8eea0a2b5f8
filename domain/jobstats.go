package domain

import "time"

// JobCount is how many background jobs of one kind are in one state
// (River's states: available, scheduled, running, retryable, completed,
// cancelled, discarded, pending).
type JobCount struct {
	Kind  string
	State string
	Count int
}

// JobFailure is one job whose last attempt failed. Error is the text the
// worker returned; workers redact addresses before they return it.
type JobFailure struct {
	ID      int64
	Kind    string
	State   string
	Attempt int
	Error   string
	At      time.Time
}

// JobsSummary is what the instance's administrator sees of the job queue.
type JobsSummary struct {
	Counts []JobCount
	// OldestAvailable is when the job that has waited longest to be worked
	// became available; nil when no job is waiting.
	OldestAvailable *time.Time
	RecentFailures  []JobFailure
}

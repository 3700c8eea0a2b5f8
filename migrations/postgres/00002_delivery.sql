-- +goose Up
-- The iCalendar SEQUENCE of each event; what attendees were last told (so
-- updates say what changed); and whether an update is already scheduled
-- (so a burst of edits sends one update).
ALTER TABLE events ADD COLUMN sequence integer NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN notified_snapshot text NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN update_pending boolean NOT NULL DEFAULT false;

-- One row per e-mail Convene means to send: created in the transaction of
-- the change that causes it, updated by the job that sends it. The unique
-- key makes a retried fan-out add nothing twice.
CREATE TABLE deliveries (
    id           text PRIMARY KEY,
    event_id     text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    rsvp_id      text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('going', 'waitlisted', 'updated', 'event_cancelled', 'rsvp_cancelled')),
    sequence     integer NOT NULL,
    status       text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    -- For updates: JSON {changed, previous} computed when the update fanned out.
    detail       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    sent_at      timestamptz,
    UNIQUE (rsvp_id, kind, sequence)
);
CREATE INDEX deliveries_event ON deliveries (event_id, id);

-- Further manage tokens of an RSVP: each e-mail carries a fresh one (only
-- its hash is kept), since the token given at RSVP time is never stored.
CREATE TABLE rsvp_tokens (
    token_hash  text PRIMARY KEY,
    rsvp_id     text NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL
);
CREATE INDEX rsvp_tokens_rsvp ON rsvp_tokens (rsvp_id);

-- +goose Down
DROP TABLE rsvp_tokens;
DROP TABLE deliveries;
ALTER TABLE events DROP COLUMN update_pending;
ALTER TABLE events DROP COLUMN notified_snapshot;
ALTER TABLE events DROP COLUMN sequence;
